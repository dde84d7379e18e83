output "resource_group" {
  description = "Resource group holding every resource."
  value       = azurerm_resource_group.c360.name
}

output "aks_cluster_name" {
  description = "AKS cluster: az aks get-credentials --name <this> --resource-group <resource_group>."
  value       = azurerm_kubernetes_cluster.c360.name
}

output "sql_server_fqdn" {
  description = "Host of the warehouse for C360_DATABASE_URL (mssql+pyodbc://...@<this>/c360)."
  value       = azurerm_mssql_server.c360.fully_qualified_domain_name
}

output "kafka_bootstrap" {
  description = "C360_KAFKA_BOOTSTRAP: the Event Hubs namespace's Kafka endpoint."
  value       = "${azurerm_eventhub_namespace.c360.name}.servicebus.windows.net:9093"
}

output "key_vault_uri" {
  description = "Key Vault holding the platform's secrets."
  value       = azurerm_key_vault.c360.vault_uri
}

output "backup_container_url" {
  description = "Blob container receiving warehouse backups."
  value       = "${azurerm_storage_account.backups.primary_blob_endpoint}${azurerm_storage_container.backups.name}"
}
