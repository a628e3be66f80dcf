"""The declarative base: naming conventions every table and constraint follows."""

from sqlalchemy import (
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

from safeguarding.staff import Role

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = tuple(role.value for role in Role)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
