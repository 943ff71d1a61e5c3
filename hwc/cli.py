"""The ``flask hwc`` command group; each feature adds its own sub-commands."""

from flask.cli import AppGroup

hwc_group = AppGroup("hwc", help="HWC administration commands.")


def init_app(app) -> None:
    from hwc.accounts.cli import user_group
    from hwc.audit.cli import audit_group
    from hwc.backup.cli import backup_command, restore_command
    from hwc.claims.cli import drafts_group
    from hwc.dashboard.cli import tallies_group
    from hwc.demo.cli import demo_command
    from hwc.rates.cli import rates_group
    from hwc.vouchers.cli import voucher_group

    hwc_group.add_command(user_group)
    hwc_group.add_command(demo_command)
    hwc_group.add_command(audit_group)
    hwc_group.add_command(rates_group)
    hwc_group.add_command(drafts_group)
    hwc_group.add_command(voucher_group)
    hwc_group.add_command(tallies_group)
    hwc_group.add_command(backup_command)
    hwc_group.add_command(restore_command)
    app.cli.add_command(hwc_group)
