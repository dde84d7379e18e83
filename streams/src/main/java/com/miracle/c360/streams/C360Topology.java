package com.miracle.c360.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The processing graph of docs/realtime.md.
 *
 * <pre>
 * c360.events ─ validate ─┬─ bad ─────────────────────────────────────────────► c360.events.dlq
 *                         └─ dedup + lateness ─ enrich (customers)
 *                              ├─ 12 contributions by KPI key ─ running totals ─► c360.kpis
 *                              ├─ high value / negative mention ─────────────────► c360.alerts
 *                              └─ by rule state key (+ campaigns) ─ churn / lead / budget ─► c360.alerts
 * </pre>
 */
public final class C360Topology {
  /** Event ids are kept at least until their day closes (its end plus a day's grace: at most two days on). */
  public static final Duration DEFAULT_DEDUP_RETENTION = Duration.ofDays(3);

  private C360Topology() {}

  /** The topology for an application's settings (they also set topology options such as exception handling). */
  public static Topology build(AppConfig config) {
    return build(config.topics(), config.dedupRetention(), config.streams());
  }

  public static Topology build(Topics topics, Duration dedupRetention, Properties streamsProps) {
    Serde<JsonNode> json = Json.serde();
    Serde<String> text = Serdes.String();
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProps)));
    EventValidator validator = new EventValidator();

    GlobalKTable<String, JsonNode> customers =
        builder.globalTable(
            topics.customers(),
            Consumed.with(text, json).withName("customers-source"),
            Materialized.<String, JsonNode, KeyValueStore<Bytes, byte[]>>as("customers")
                .withKeySerde(text)
                .withValueSerde(json));
    GlobalKTable<String, JsonNode> campaigns =
        builder.globalTable(
            topics.campaigns(),
            Consumed.with(text, json).withName("campaigns-source"),
            Materialized.<String, JsonNode, KeyValueStore<Bytes, byte[]>>as("campaigns")
                .withKeySerde(text)
                .withValueSerde(json));

    KStream<byte[], ObjectNode> checked =
        builder.stream(topics.events(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("events"))
            .process(() -> new ValidateProcessor(validator), Named.as("validate"));
    Map<String, KStream<byte[], ObjectNode>> routes =
        checked
            .split(Named.as("route-"))
            .branch((key, value) -> value.has("dead_letter"), Branched.as("bad"))
            .defaultBranch(Branched.as("good"));
    routes
        .get("route-bad")
        .mapValues(value -> Json.bytes(value.get("dead_letter")), Named.as("dead-letter"))
        .to(topics.deadLetters(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dlq-sink"));

    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(DedupProcessor.SEEN_STORE, dedupRetention, Duration.ofMillis(1), false),
            text,
            Serdes.Long()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DedupProcessor.CLOCK_STORE), text, Serdes.Long()));
    KStream<byte[], JsonNode> enriched =
        routes
            .get("route-good")
            .mapValues(value -> (JsonNode) value, Named.as("as-tree"))
            .process(
                () -> new DedupProcessor(dedupRetention),
                Named.as("dedup"),
                DedupProcessor.SEEN_STORE,
                DedupProcessor.CLOCK_STORE)
            .leftJoin(
                customers,
                (key, value) -> Enrichment.customerLookupKey(value),
                Enrichment::enrich,
                Named.as("enrich"));

    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(KpiAggregator.TOTALS_STORE), text, json));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(KpiAggregator.MEMBERS_STORE), text, Serdes.Long()));
    enriched
        .flatMap((key, value) -> Kpis.contributions(value), Named.as("kpi-contributions"))
        .repartition(Repartitioned.with(text, json).withName("kpi-updates"))
        .process(KpiAggregator::new, Named.as("kpi-totals"), KpiAggregator.TOTALS_STORE, KpiAggregator.MEMBERS_STORE)
        .to(topics.kpis(), Produced.with(text, json).withName("kpis-sink"));

    enriched
        .flatMap((key, value) -> Alerts.immediate(value), Named.as("immediate-alerts"))
        .to(topics.alerts(), Produced.with(text, json).withName("immediate-alerts-sink"));

    KStream<byte[], JsonNode> withCampaign =
        enriched.leftJoin(
            campaigns,
            (key, value) -> campaignLookupKey(value),
            (value, campaign) -> withCampaign(value, campaign),
            Named.as("campaign-budget"));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AlertStateProcessor.STORE), text, json));
    withCampaign
        .flatMap((key, value) -> stateRecords(value), Named.as("alert-state-keys"))
        .repartition(Repartitioned.with(text, json).withName("alert-state-by-key"))
        .process(AlertStateProcessor::new, Named.as("stateful-alerts"), AlertStateProcessor.STORE)
        .to(topics.alerts(), Produced.with(text, json).withName("stateful-alerts-sink"));

    return builder.build();
  }

  private static String campaignLookupKey(JsonNode enriched) {
    JsonNode event = Enrichment.event(enriched);
    if (!"campaign_click".equals(event.get("type").stringValue())) {
      return "";
    }
    return Json.text(event.get("payload"), "campaign_id");
  }

  private static JsonNode withCampaign(JsonNode enriched, JsonNode campaign) {
    if (campaign == null) {
      return enriched;
    }
    ObjectNode copy = ((ObjectNode) enriched).deepCopy();
    copy.set("campaign", campaign);
    return copy;
  }

  private static List<KeyValue<String, JsonNode>> stateRecords(JsonNode enriched) {
    List<KeyValue<String, JsonNode>> out = new ArrayList<>();
    for (String key : Alerts.stateKeys(enriched)) {
      out.add(KeyValue.pair(key, enriched));
    }
    return out;
  }
}
