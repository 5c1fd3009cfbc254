def test_owner_registers_active_tenant(registry, tenant_owner, tenant_id):
    t = registry.tenant(tenant_id)
    assert t.owner == tenant_owner.address
    assert t.status == 2
    assert registry.isAuthorized(tenant_id, tenant_owner)
