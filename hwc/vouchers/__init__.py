"""Payment vouchers: numbered, signed, printed as PDFs, paid and voided through the workflow."""
