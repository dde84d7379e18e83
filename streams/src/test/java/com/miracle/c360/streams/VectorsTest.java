package com.miracle.c360.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Every shared test vector (tests/data/realtime/vectors/*.json) gives the KPIs, alerts and dead letters it lists. */
class VectorsTest {
  static final Path VECTORS = Path.of("..", "tests", "data", "realtime", "vectors");

  @TempDir Path stateDir;

  static Stream<Path> vectors() throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(VECTORS)) {
      files = listing.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertTrue(files.stream().anyMatch(p -> p.endsWith("one_morning.json")), "one_morning.json is missing");
    return files.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void vectorGivesItsExpectedOutput(Path file) throws IOException {
    JsonNode vector = Json.parse(Files.readAllBytes(file));
    JsonNode expected = vector.get("expected");
    try (Harness harness = new Harness(stateDir)) {
      harness.load(vector);
      for (JsonNode event : vector.get("events")) {
        harness.send(event);
      }

      Map<String, JsonNode> kpis = harness.latestKpis();
      assertEquals(expected.get("kpi_keys").asInt(), kpis.size(), "distinct KPI keys: " + new TreeMap<>(kpis).keySet());
      for (JsonNode want : expected.get("kpis")) {
        String key =
            Kpis.key(
                want.get("window").stringValue(),
                want.get("window_start").stringValue(),
                want.get("dimension").stringValue(),
                want.get("dimension_value").stringValue());
        JsonNode got = kpis.get(key);
        assertNotNull(got, "no KPI record for " + key);
        for (Map.Entry<String, JsonNode> field : want.properties()) {
          assertSameValue(field.getValue(), got.get(field.getKey()), key + " " + field.getKey());
        }
      }

      List<KeyValue<String, JsonNode>> alerts = harness.alerts.readKeyValuesToList();
      Set<String> ids = new HashSet<>();
      for (KeyValue<String, JsonNode> alert : alerts) {
        assertEquals(alert.key, alert.value.get("alert_id").stringValue(), "alerts are keyed by their id");
        assertTrue(ids.add(alert.key), "alert fired twice: " + alert.key);
      }
      Set<String> gotAlerts = new HashSet<>();
      alerts.forEach(alert -> gotAlerts.add(alertSummary(alert.value)));
      Set<String> wantAlerts = new HashSet<>();
      expected.get("alerts").forEach(alert -> wantAlerts.add(alertSummary(alert)));
      assertEquals(new TreeMap<>(toMap(wantAlerts)), new TreeMap<>(toMap(gotAlerts)), "alerts");

      Map<Long, String> gotLetters = new TreeMap<>();
      for (JsonNode letter : harness.deadLetters.readValuesToList()) {
        long offset = letter.get("offset").longValue();
        String reason = letter.get("reason").stringValue();
        gotLetters.put(offset, reason.substring(0, reason.indexOf(':')));
        assertEquals(harness.topics.events(), letter.get("topic").stringValue());
        JsonNode sent = vector.get("events").get((int) offset);
        String raw = sent.isString() ? sent.stringValue() : new String(Json.bytes(sent), StandardCharsets.UTF_8);
        assertEquals(raw, letter.get("raw").stringValue(), "dead letter keeps the received text");
      }
      Map<Long, String> wantLetters = new TreeMap<>();
      expected.get("dead_letters").forEach(d -> wantLetters.put(d.get("index").longValue(), d.get("reason").stringValue()));
      assertEquals(wantLetters, gotLetters, "dead letters (index -> reason)");
    }
  }

  static void assertSameValue(JsonNode want, JsonNode got, String what) {
    assertNotNull(got, what + " missing");
    if (want.isNumber()) {
      assertTrue(got.isNumber(), what + " is not a number: " + got);
      assertEquals(0, want.decimalValue().compareTo(got.decimalValue()), what + ": want " + want + ", got " + got);
    } else {
      assertEquals(want, got, what);
    }
  }

  /** The alert fields the vectors pin, as one comparable line. */
  static String alertSummary(JsonNode alert) {
    JsonNode customer = alert.get("customer_key");
    JsonNode rep = alert.get("rep");
    return String.join(
        " | ",
        alert.get("alert_id").stringValue(),
        alert.get("rule").stringValue(),
        alert.get("severity").stringValue(),
        customer == null || customer.isNull() ? "null" : Long.toString(customer.decimalValue().longValueExact()),
        rep == null || rep.isNull() ? "null" : rep.stringValue(),
        alert.get("event_id").stringValue());
  }

  private static Map<String, String> toMap(Set<String> summaries) {
    Map<String, String> out = new HashMap<>();
    summaries.forEach(s -> out.put(s.substring(0, s.indexOf(' ')), s));
    return out;
  }

  static List<String> keysOf(TestOutputTopic<String, JsonNode> topic) {
    List<String> keys = new ArrayList<>();
    topic.readKeyValuesToList().forEach(kv -> keys.add(kv.key));
    return keys;
  }
}
