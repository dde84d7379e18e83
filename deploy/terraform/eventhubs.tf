# Kafka: Event Hubs' Kafka endpoint (port 9093, SASL/OAUTHBEARER or a connection string in Key Vault).
resource "azurerm_eventhub_namespace" "c360" {
  name                          = "${var.name}-events-${var.environment}"
  location                      = azurerm_resource_group.c360.location
  resource_group_name           = azurerm_resource_group.c360.name
  sku                           = "Standard" # Standard and above expose the Kafka endpoint
  capacity                      = var.eventhubs_capacity
  auto_inflate_enabled          = true
  maximum_throughput_units      = 4
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false
  local_authentication_enabled  = false # Entra ID (workload identity) only
  identity {
    type = "SystemAssigned"
  }
  tags = local.tags
}

locals {
  # The topics the platform uses (pipeline/events/broker.py), with their partitions.
  hubs = {
    "c360.events"     = var.events_partitions
    "c360.events.dlq" = 1
    "c360.customers"  = 1
    "c360.campaigns"  = 1
    "c360.kpis"       = var.events_partitions
    "c360.alerts"     = 1
  }
}

resource "azurerm_eventhub" "topics" {
  for_each          = local.hubs
  name              = each.key
  namespace_id      = azurerm_eventhub_namespace.c360.id
  partition_count   = each.value
  message_retention = 7
}
