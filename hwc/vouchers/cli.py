"""``flask hwc voucher …``: the published keys, key rotation and offline verification."""

from flask.cli import AppGroup

voucher_group = AppGroup("voucher", help="Voucher signing keys and offline verification.")
