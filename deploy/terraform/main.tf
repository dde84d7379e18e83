locals {
  tags = { application = "customer360", environment = var.environment, managed_by = "terraform" }
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "c360" {
  name     = "${var.name}-${var.environment}"
  location = var.location
  tags     = local.tags
}

resource "azurerm_log_analytics_workspace" "c360" {
  name                = "${var.name}-logs"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  sku                 = "PerGB2018"
  retention_in_days   = 90
  tags                = local.tags
}

resource "azurerm_virtual_network" "c360" {
  name                = "${var.name}-vnet"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  address_space       = ["10.40.0.0/16"]
  tags                = local.tags
}

resource "azurerm_subnet" "aks" {
  name                 = "aks"
  resource_group_name  = azurerm_resource_group.c360.name
  virtual_network_name = azurerm_virtual_network.c360.name
  address_prefixes     = ["10.40.0.0/20"]
  service_endpoints    = ["Microsoft.Sql", "Microsoft.KeyVault", "Microsoft.Storage", "Microsoft.EventHub"]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "private-endpoints"
  resource_group_name  = azurerm_resource_group.c360.name
  virtual_network_name = azurerm_virtual_network.c360.name
  address_prefixes     = ["10.40.16.0/24"]
}

# Subnet firewalls: AKS's own rules are added by AKS; the endpoint subnet takes traffic from the cluster only.
resource "azurerm_network_security_group" "aks" {
  name                = "${var.name}-aks-nsg"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  tags                = local.tags
}

resource "azurerm_network_security_group" "endpoints" {
  name                = "${var.name}-endpoints-nsg"
  location            = azurerm_resource_group.c360.location
  resource_group_name = azurerm_resource_group.c360.name
  security_rule {
    name                       = "from-aks"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["443", "1433", "9093"]
    source_address_prefix      = "10.40.0.0/20"
    destination_address_prefix = "10.40.16.0/24"
  }
  security_rule {
    name                       = "deny-rest"
    priority                   = 4000
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
  tags = local.tags
}

resource "azurerm_subnet_network_security_group_association" "aks" {
  subnet_id                 = azurerm_subnet.aks.id
  network_security_group_id = azurerm_network_security_group.aks.id
}

resource "azurerm_subnet_network_security_group_association" "endpoints" {
  subnet_id                 = azurerm_subnet.endpoints.id
  network_security_group_id = azurerm_network_security_group.endpoints.id
}
