variable "subscription_id" {
  description = "Azure subscription to deploy into."
  type        = string
}

variable "name" {
  description = "Prefix of every resource name (lowercase letters and digits)."
  type        = string
  default     = "c360"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,11}$", var.name))
    error_message = "name: 3-12 lowercase letters and digits, starting with a letter."
  }
}

variable "location" {
  description = "Azure region, e.g. uksouth."
  type        = string
  default     = "uksouth"
}

variable "environment" {
  description = "Environment tag: production, staging."
  type        = string
  default     = "production"
}

variable "aks_node_size" {
  description = "VM size of the AKS user node pool."
  type        = string
  default     = "Standard_D4s_v5"
}

variable "aks_min_nodes" {
  description = "Nodes the cluster autoscaler keeps at least."
  type        = number
  default     = 2
}

variable "aks_max_nodes" {
  description = "Nodes the cluster autoscaler may add up to."
  type        = number
  default     = 6
}

variable "sql_admin_group_object_id" {
  description = "Entra ID group whose members administer the SQL server (no SQL passwords)."
  type        = string
}

variable "sql_sku" {
  description = "Azure SQL Database SKU of the warehouse."
  type        = string
  default     = "GP_S_Gen5_4"
}

variable "sql_max_size_gb" {
  description = "Maximum warehouse size in GB."
  type        = number
  default     = 250
}

variable "eventhubs_capacity" {
  description = "Event Hubs throughput units (Standard tier, Kafka endpoint)."
  type        = number
  default     = 1
}

variable "events_partitions" {
  description = "Partitions of the c360.events hub: the most Streams replicas that do work."
  type        = number
  default     = 6
}

variable "backup_retention_days" {
  description = "Days backups are kept in blob storage (and SQL point-in-time restore)."
  type        = number
  default     = 35
}

variable "security_alert_emails" {
  description = "Who receives SQL threat-detection alerts."
  type        = list(string)
}

variable "allowed_ip_ranges" {
  description = "CIDR ranges allowed to reach Key Vault and storage besides the cluster's subnet."
  type        = list(string)
  default     = []
}
