"""Key rotation: re-encrypt what an older key made, with the current key, while Kestrel runs."""

from storage.uow import SqlUnitOfWork


async def rotate_keys(uow_factory) -> dict[str, int]:
    """Re-encrypt every encrypted store; returns how many values each one changed."""
    changed: dict[str, int] = {}
    async with uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        changed["second_factors"] = await uow.second_factors.reencrypt_all()
        changed["incidents"] = await uow.incidents.reencrypt_all()
        changed["attachments"] = await uow.attachments.reencrypt_all()
        changed["actions"] = await uow.actions.reencrypt_all()
        changed["case_history"] = await uow.cases.reencrypt_all()
        await uow.commit()
    return changed
