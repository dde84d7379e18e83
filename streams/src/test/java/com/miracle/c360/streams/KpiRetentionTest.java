package com.miracle.c360.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closed windows leave the KPI stores, so a long-running processor does not grow without bound. */
class KpiRetentionTest {
  @TempDir Path stateDir;

  static String visit(String id, String at) {
    return "{\"event_id\":\"" + id + "\",\"type\":\"visit\",\"schema_version\":1,\"occurred_at\":\"" + at
        + "\",\"customer_key\":5,\"source_key\":null,\"channel\":\"web\",\"payload\":{\"page\":\"/\"}}";
  }

  static List<String> keys(KeyValueStore<String, ?> store) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, ?> all = store.all()) {
      all.forEachRemaining(entry -> keys.add(entry.key));
    }
    return keys;
  }

  @Test
  void windowsAWindowLengthPastTheirGraceAreDropped() {
    try (Harness harness = new Harness(stateDir)) {
      harness.send(Json.parse(visit("v1", "2026-12-01T10:00:00Z").getBytes(StandardCharsets.UTF_8)));
      harness.send(Json.parse(visit("v2", "2026-12-05T10:00:00Z").getBytes(StandardCharsets.UTF_8)));
      KeyValueStore<String, Object> totals = harness.driver.getKeyValueStore(KpiAggregator.TOTALS_STORE);
      KeyValueStore<String, Object> members = harness.driver.getKeyValueStore(KpiAggregator.MEMBERS_STORE);
      assertEquals(24, keys(totals).size(), "12 keys for each event before the purge");

      harness.driver.advanceWallClockTime(Duration.ofMinutes(1));

      List<String> kept = keys(totals);
      assertEquals(12, kept.size(), "only 5 December is kept: " + kept);
      assertTrue(kept.stream().allMatch(key -> key.contains("2026-12-05")), kept.toString());
      assertTrue(keys(members).stream().noneMatch(key -> key.contains("2026-12-01")), keys(members).toString());
    }
  }
}
