# Secrets of the platform (C360_SECRET_KEY, C360_DATABASE_URL, C360_KAFKA_BOOTSTRAP, C360_FIELD_KEY ...),
# read by AKS's Key Vault secrets provider into the c360-secrets Secret.
resource "azurerm_key_vault" "c360" {
  name                          = "${var.name}-kv-${var.environment}"
  location                      = azurerm_resource_group.c360.location
  resource_group_name           = azurerm_resource_group.c360.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "premium"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 90
  public_network_access_enabled = false

  network_acls {
    default_action             = "Deny"
    bypass                     = "AzureServices"
    ip_rules                   = var.allowed_ip_ranges
    virtual_network_subnet_ids = [azurerm_subnet.aks.id]
  }

  tags = local.tags
}

resource "azurerm_role_assignment" "aks_reads_secrets" {
  scope                = azurerm_key_vault.c360.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_kubernetes_cluster.c360.key_vault_secrets_provider[0].secret_identity[0].object_id
}

resource "azurerm_private_endpoint" "key_vault" {
  name                = "${var.name}-kv-pe"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  subnet_id           = azurerm_subnet.endpoints.id
  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = azurerm_key_vault.c360.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
  tags = local.tags
}
