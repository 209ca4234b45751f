"""Operators: who may use the admin API, with which role. Admins add and revoke them."""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.errors import InvalidOperatorName
from app.core.operators import OPERATOR_NAME_PATTERN, ROLE_POWERS, Operator, Role, operator_name
from app.flows.operators import add_operator, list_operators, revoke_operator
from app.web.deps import OperatorRegistryDep, SignedInDep, audited, needs
from app.web.error_responses import ADMIN_ERRORS, OPERATOR_ERRORS

router = APIRouter(prefix="/operators", tags=["operators"], responses=ADMIN_ERRORS)

OperatorNamePath = Annotated[
    str, Path(pattern=OPERATOR_NAME_PATTERN, description="The operator's name (lower case).")
]


class OperatorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        description="Lower-case letters, digits, '.' and '-', at most 32.",
        examples=["ada"],
        min_length=1,
        max_length=32,
    )
    role: Role = Field(description="viewer, inviter or admin.")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        # A ValueError becomes FastAPI's usual 422 listing the field, like any other.
        try:
            return operator_name(value)
        except InvalidOperatorName as exc:
            raise ValueError(exc.message) from None


class OperatorCreated(BaseModel):
    name: str
    role: Role
    key: str = Field(description="Shown this once: Birdhouse keeps only its hash.")


class OperatorList(BaseModel):
    operators: list[Operator]


class SignedIn(BaseModel):
    name: str = Field(description="The operator's name, or 'owner' for the admin token.")
    role: Role
    can: str = Field(description="What the role allows, in words.")


@router.get("/me", dependencies=[needs(Role.VIEWER)])
def who_am_i(operator: SignedInDep) -> SignedIn:
    """Who this key signs in as, and with which role (the console shows it)."""
    return SignedIn(name=operator.name, role=operator.role, can=ROLE_POWERS[operator.role])


@router.post(
    "",
    status_code=201,
    responses=OPERATOR_ERRORS,
    dependencies=[audited("operator.add", Role.ADMIN)],
)
def add(
    request: OperatorRequest,
    registry: OperatorRegistryDep,
) -> OperatorCreated:
    """A new operator and their key, which this answer shows once; 409 if the name has one."""
    added = add_operator(registry=registry, name=request.name, role=request.role)
    return OperatorCreated(name=added.operator.name, role=added.operator.role, key=added.key)


@router.get("", dependencies=[needs(Role.ADMIN)])
def list_all(registry: OperatorRegistryDep) -> OperatorList:
    """Every operator: name, role, created, last used (to the minute). Never a key."""
    return OperatorList(operators=list_operators(registry=registry))


class OperatorRevoked(BaseModel):
    name: str
    revoked: bool = True


@router.delete(
    "/{name}",
    responses=OPERATOR_ERRORS,
    dependencies=[audited("operator.revoke", Role.ADMIN)],
)
def revoke(name: OperatorNamePath, registry: OperatorRegistryDep) -> OperatorRevoked:
    """The key stops working on the next request, on every container."""
    return OperatorRevoked(name=revoke_operator(registry=registry, name=name))
