resource "azurerm_kubernetes_cluster" "c360" {
  #checkov:skip=CKV_AZURE_117:OS disks are ephemeral (no data at rest on them); platform-managed keys encrypt the rest
  #checkov:skip=CKV_AZURE_227:host encryption needs the EncryptionAtHost subscription feature: enable it, then set host_encryption_enabled
  name                              = "${var.name}-aks"
  location                          = azurerm_resource_group.c360.location
  resource_group_name               = azurerm_resource_group.c360.name
  dns_prefix                        = var.name
  kubernetes_version                = "1.32"
  sku_tier                          = "Standard"
  automatic_upgrade_channel         = "patch"
  azure_policy_enabled              = true
  local_account_disabled            = true
  role_based_access_control_enabled = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  private_cluster_enabled           = true

  default_node_pool {
    name                         = "system"
    vm_size                      = "Standard_D2s_v5"
    node_count                   = 2
    vnet_subnet_id               = azurerm_subnet.aks.id
    only_critical_addons_enabled = true
    max_pods                     = 50
    os_disk_type                 = "Ephemeral"
    os_disk_size_gb              = 64
    zones                        = ["1", "2", "3"]
    upgrade_settings {
      max_surge = "33%"
    }
  }

  identity {
    type = "SystemAssigned"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
    tenant_id          = data.azurerm_client_config.current.tenant_id
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "azure" # enforces deploy/k8s/platform/networkpolicies.yaml
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true # Key Vault secrets synced into c360-secrets
  }

  oms_agent {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.c360.id
  }

  tags = local.tags
}

resource "azurerm_kubernetes_cluster_node_pool" "apps" {
  #checkov:skip=CKV_AZURE_227:host encryption needs the EncryptionAtHost subscription feature: enable it, then set host_encryption_enabled
  name                  = "apps"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.c360.id
  vm_size               = var.aks_node_size
  auto_scaling_enabled  = true
  min_count             = var.aks_min_nodes
  max_count             = var.aks_max_nodes
  vnet_subnet_id        = azurerm_subnet.aks.id
  max_pods              = 50
  os_disk_type          = "Ephemeral"
  os_disk_size_gb       = 128
  zones                 = ["1", "2", "3"]
  tags                  = local.tags
}
