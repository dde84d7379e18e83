-- Change data capture on SQL Server for the tables whose changes go to Kafka (c360.cdc.<table>).
-- Run once per warehouse database as a member of sysadmin (the database) and db_owner (the tables);
-- SQL Server Agent must run, as CDC's capture and cleanup jobs are Agent jobs.
-- Debezium's SQL Server connector then reads the change tables: table.include.list =
-- dbo.dim_customer,dbo.dim_campaign,dbo.mart_customer_score (see docs/realtime.md, "Change data capture").
-- SQLite has no log to read: there the evt_outbox triggers and pipeline.events.outbox.Relay do this work.

IF (SELECT is_cdc_enabled FROM sys.databases WHERE name = DB_NAME()) = 0
    EXEC sys.sp_cdc_enable_db;
GO

IF NOT EXISTS (SELECT 1 FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'dbo.dim_customer'))
    EXEC sys.sp_cdc_enable_table
        @source_schema = N'dbo',
        @source_name = N'dim_customer',
        @role_name = NULL,
        @supports_net_changes = 1;
GO

IF NOT EXISTS (SELECT 1 FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'dbo.dim_campaign'))
    EXEC sys.sp_cdc_enable_table
        @source_schema = N'dbo',
        @source_name = N'dim_campaign',
        @role_name = NULL,
        @supports_net_changes = 1;
GO

IF NOT EXISTS (SELECT 1 FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'dbo.mart_customer_score'))
    EXEC sys.sp_cdc_enable_table
        @source_schema = N'dbo',
        @source_name = N'mart_customer_score',
        @role_name = NULL,
        @supports_net_changes = 1;
GO

-- Check: one row per table above.
SELECT OBJECT_NAME(source_object_id) AS source_table, capture_instance, supports_net_changes
FROM cdc.change_tables;
GO
