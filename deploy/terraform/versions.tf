# Azure for Customer 360: AKS, Azure SQL (the warehouse), Event Hubs (Kafka endpoint), Key Vault, backup storage.
terraform {
  required_version = ">= 1.6"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.20"
    }
  }
  backend "azurerm" {} # state in a storage account of its own: terraform init -backend-config=...
}

provider "azurerm" {
  features {
    key_vault {
      purge_soft_delete_on_destroy = false
    }
  }
  subscription_id = var.subscription_id
}
