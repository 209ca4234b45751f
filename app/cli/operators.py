"""Who may use the admin API: operators (add, list, revoke), and the audit trail."""

import argparse
import dataclasses

from app.cli.context import Context
from app.cli.output import CommandError, print_json, print_table
from app.cli.parser import AddCommand
from app.core.audit import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, AuditRecord
from app.core.operators import ROLE_POWERS, Role
from app.flows.audit import audit_page
from app.flows.operators import add_operator, list_operators, revoke_operator

_OPERATOR_ACTIONS = {"add": "operator.add", "revoke": "operator.revoke"}


def register(add_command: AddCommand) -> None:
    roles = "; ".join(f"{role.value}: {powers}" for role, powers in ROLE_POWERS.items())
    operators = add_command(
        "operators",
        _operators,
        "List operators (name, role, created, last used; never a key), add one (prints the "
        f"key once), or revoke one (its key stops working at once). Roles: {roles}.",
        audit=lambda args: _OPERATOR_ACTIONS.get(args.action),
    )
    operators.add_argument("action", nargs="?", choices=["list", "add", "revoke"], default="list")
    operators.add_argument("operator_name", nargs="?", metavar="NAME")
    operators.add_argument("--role", choices=[role.value for role in Role], help="with add")

    audit = add_command(
        "audit",
        _audit,
        "The audit trail, newest first: who did what, through what, to which account or "
        "invite, and how it ended.",
    )
    audit.add_argument("--operator", help="only what this operator (or owner, or ARN) did")
    audit.add_argument("--account", help="only actions on this account")
    audit.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_PAGE_SIZE,
        choices=range(1, MAX_PAGE_SIZE + 1),
        metavar=f"{{1..{MAX_PAGE_SIZE}}}",
    )
    audit.add_argument("--next", help="go on from where the previous page stopped")
    audit.add_argument("--json", action="store_true", help="print JSON, as GET /audit")


def _operators(args: argparse.Namespace, ctx: Context) -> int:
    if args.action == "add":
        if not args.operator_name or not args.role:
            raise CommandError("usage: operators add NAME --role viewer|inviter|admin")
        added = add_operator(registry=ctx.operators, name=args.operator_name, role=Role(args.role))
        print(added.key)
        print(
            f"Operator {added.operator.name} ({added.operator.role.value}): give them this key; "
            "it is shown only now. They send it as 'Authorization: Bearer …' or sign in to "
            "the console with it.",
        )
        return 0
    if args.action == "revoke":
        if not args.operator_name:
            raise CommandError("usage: operators revoke NAME")
        name = revoke_operator(registry=ctx.operators, name=args.operator_name)
        print(f"Revoked {name}: their key stops working on their next request.")
        return 0
    found = list_operators(registry=ctx.operators)
    if not found:
        print("No operators yet: python -m app operators add NAME --role viewer|inviter|admin")
        return 0
    print_table(
        ("NAME", "ROLE", "CREATED", "LAST USED"),
        [
            (
                operator.name,
                operator.role.value,
                f"{operator.created_at:%Y-%m-%d %H:%M}" if operator.created_at else "",
                f"{operator.last_used_at:%Y-%m-%d %H:%M}" if operator.last_used_at else "never",
            )
            for operator in found
        ],
    )
    return 0


def _audit(args: argparse.Namespace, ctx: Context) -> int:
    page = audit_page(
        trail=ctx.audit_trail,
        operator=args.operator,
        account=args.account,
        limit=args.limit,
        cursor=args.next,
    )
    if args.json:
        print_json({"records": [dataclasses.asdict(r) for r in page.records], "next": page.next})
        return 0
    if not page.records:
        print("No audit records.")
    else:
        print_table(
            ("AT (UTC)", "OPERATOR", "VIA", "ACTION", "ON", "OUTCOME", "REQUEST"),
            [_row(record) for record in page.records],
        )
    if page.next:
        print(f"More: python -m app audit --next {page.next} (with the same filters)")
    return 0


def _row(record: AuditRecord) -> tuple[str, ...]:
    target = " ".join(
        part
        for part in (
            f"@{record.account}" if record.account else "",
            f"invite {record.invite}" if record.invite else "",
            f"operator {record.target_operator}" if record.target_operator else "",
        )
        if part
    )
    outcome = record.outcome.value + (f" ({record.error_code})" if record.error_code else "")
    return (
        f"{record.at:%Y-%m-%d %H:%M:%S}",
        record.operator,
        record.via.value,
        record.action,
        target,
        outcome,
        record.request_id,
    )
