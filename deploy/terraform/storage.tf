# Backups: python -m warehouse.backup output copied here (and SQL Server BACKUP ... TO URL on a managed
# instance); geo-redundant, versioned, immutable for the retention period.
resource "azurerm_storage_account" "backups" {
  #checkov:skip=CKV_AZURE_43:the name is built from validated variables (3-24 lowercase letters and digits)
  #checkov:skip=CKV_AZURE_33:no queues in this account: backups are blobs only
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys; backups are encrypted again by the database (TDE) before they land
  name                            = "${var.name}backups${substr(var.environment, 0, 4)}"
  resource_group_name             = azurerm_resource_group.c360.name
  location                        = azurerm_resource_group.c360.location
  account_tier                    = "Standard"
  account_replication_type        = "RAGZRS"
  access_tier                     = "Cool"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  public_network_access_enabled   = false

  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = var.backup_retention_days
    }
    container_delete_retention_policy {
      days = var.backup_retention_days
    }
  }

  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices"]
    ip_rules                   = var.allowed_ip_ranges
    virtual_network_subnet_ids = [azurerm_subnet.aks.id]
  }

  tags = local.tags
}

resource "azurerm_storage_container" "backups" {
  #checkov:skip=CKV2_AZURE_21:blob reads and writes are logged by the diagnostic setting below (StorageRead, StorageWrite)
  name                  = "warehouse-backups"
  storage_account_id    = azurerm_storage_account.backups.id
  container_access_type = "private"
}

resource "azurerm_storage_management_policy" "backups" {
  storage_account_id = azurerm_storage_account.backups.id
  rule {
    name    = "expire-old-backups"
    enabled = true
    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["warehouse-backups/"]
    }
    actions {
      base_blob {
        delete_after_days_since_modification_greater_than = var.backup_retention_days
      }
    }
  }
}

resource "azurerm_monitor_diagnostic_setting" "backups_blob" {
  name                       = "backup-access"
  target_resource_id         = "${azurerm_storage_account.backups.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.c360.id
  enabled_log {
    category = "StorageRead"
  }
  enabled_log {
    category = "StorageWrite"
  }
  enabled_log {
    category = "StorageDelete"
  }
}

resource "azurerm_private_endpoint" "backups" {
  name                = "${var.name}-backups-pe"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  subnet_id           = azurerm_subnet.endpoints.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.backups.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
  tags = local.tags
}
