# The warehouse: Azure SQL Database (SQL Server engine), Entra ID authentication only, no public access.
resource "azurerm_mssql_server" "c360" {
  name                          = "${var.name}-sql-${var.environment}"
  resource_group_name           = azurerm_resource_group.c360.name
  location                      = azurerm_resource_group.c360.location
  version                       = "12.0"
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false

  azuread_administrator {
    login_username              = "c360-sql-admins"
    object_id                   = var.sql_admin_group_object_id
    azuread_authentication_only = true
  }

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

resource "azurerm_mssql_database" "warehouse" {
  #checkov:skip=CKV_AZURE_224:ledger tables cannot be truncated or rebuilt, which the marts are each batch; the audit log lives in ops_audit_log
  name                        = "c360"
  server_id                   = azurerm_mssql_server.c360.id
  sku_name                    = var.sql_sku
  max_size_gb                 = var.sql_max_size_gb
  zone_redundant              = true
  auto_pause_delay_in_minutes = -1
  min_capacity                = 1
  ledger_enabled              = false
  storage_account_type        = "Geo"

  short_term_retention_policy {
    retention_days           = var.backup_retention_days # point-in-time restore (RPO minutes)
    backup_interval_in_hours = 12
  }

  long_term_retention_policy {
    weekly_retention  = "P12W"
    monthly_retention = "P12M"
    week_of_year      = 1
  }

  tags = local.tags
}

resource "azurerm_mssql_server_extended_auditing_policy" "c360" {
  server_id              = azurerm_mssql_server.c360.id
  log_monitoring_enabled = true
  retention_in_days      = 90
}

resource "azurerm_mssql_server_security_alert_policy" "c360" {
  #checkov:skip=CKV_AZURE_26:alerts go to var.security_alert_emails (a required variable the scan cannot resolve)
  resource_group_name  = azurerm_resource_group.c360.name
  server_name          = azurerm_mssql_server.c360.name
  state                = "Enabled"
  email_account_admins = true
  email_addresses      = var.security_alert_emails
}

resource "azurerm_private_endpoint" "sql" {
  name                = "${var.name}-sql-pe"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  subnet_id           = azurerm_subnet.endpoints.id
  private_service_connection {
    name                           = "sql"
    private_connection_resource_id = azurerm_mssql_server.c360.id
    subresource_names              = ["sqlServer"]
    is_manual_connection           = false
  }
  tags = local.tags
}
