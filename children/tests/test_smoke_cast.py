from children import access


def test_cast_permissions(cast):
    child = cast["child"]
    assert access.can(cast["owner"], "sharing.manage", child)
    assert access.can(cast["caregiver"], "journal.edit", child)
    assert access.can(cast["viewer"], "health.view", child)
    assert not access.can(cast["viewer"], "health.edit", child)
    assert access.can(cast["editor"], "health.edit", child)
    assert not access.can(cast["team_other"], "health.view", child)
    assert access.can(cast["coordinator"], "coverage.edit", child)
    assert access.perms_for(cast["other_family"], child) == frozenset()
    assert access.perms_for(cast["operator"], child) == frozenset()
