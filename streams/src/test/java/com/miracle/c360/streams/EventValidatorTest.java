package com.miracle.c360.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad events get the contract's reason, checked in its order; the schemas are the shared ones. */
class EventValidatorTest {
  static final EventValidator VALIDATOR = new EventValidator();

  static String order(String version, String occurredAt, String payload) {
    return "{\"event_id\":\"e1\",\"type\":\"order_placed\",\"schema_version\":" + version + ",\"occurred_at\":\""
        + occurredAt + "\",\"customer_key\":1,\"source_key\":null,\"channel\":\"web\",\"payload\":" + payload + "}";
  }

  static EventValidator.Result check(String text) {
    return VALIDATOR.check(text.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json{|invalid_json",
        "[1, 2]|invalid_json",
        "{\"event_id\": \"e1\"} trailing|invalid_json",
        "{\"type\": \"teleport\", \"schema_version\": 2}|unknown_type",
        "{\"schema_version\": 1}|unknown_type",
        "{\"type\": \"visit\", \"schema_version\": 2, \"payload\": {}}|unsupported_version",
        "{\"type\": \"visit\", \"schema_version\": \"1\"}|unsupported_version",
        "{\"type\": \"visit\", \"schema_version\": 1, \"payload\": {}}|schema",
      })
  void badEventsGetTheirReasonInOrder(String raw, String code) {
    EventValidator.Result result = check(raw);
    assertTrue(result.reason().startsWith(code + ": "), raw + " -> " + result.reason());
  }

  @Test
  void schemaFailureNamesTheField() {
    EventValidator.Result result = check(order("1", "2026-12-04T10:00:00Z", "{\"order_id\":\"SO-1\",\"currency\":\"GBP\"}"));
    assertTrue(result.reason().startsWith("schema: "), result.reason());
    assertTrue(result.reason().contains("amount"), result.reason());
  }

  @Test
  void impossibleTimeIsASchemaFailure() {
    EventValidator.Result result =
        check(order("1", "2026-13-04T10:00:00Z", "{\"order_id\":\"SO-1\",\"amount\":1,\"currency\":\"GBP\"}"));
    assertTrue(result.reason().startsWith("schema: occurred_at"), result.reason());
  }

  @Test
  void validEventKeepsExactDecimalsAndItsTime() {
    EventValidator.Result result =
        check(order("1", "2026-12-04T10:15:00.123Z", "{\"order_id\":\"SO-1\",\"amount\":2.675,\"currency\":\"GBP\"}"));
    assertTrue(result.valid(), String.valueOf(result.reason()));
    assertEquals(new BigDecimal("2.675"), result.event().get("payload").get("amount").decimalValue());
    assertEquals(1796379300123L, result.occurredAtMs());
    assertEquals(268, Json.cents(result.event().get("payload").get("amount").decimalValue()).intValueExact());
  }

  @Test
  void amountsTooLargeToSumAreSchemaFailures() {
    EventValidator.Result result =
        check(order("1", "2026-12-04T10:00:00Z", "{\"order_id\":\"SO-1\",\"amount\":1e999999999,\"currency\":\"GBP\"}"));
    assertTrue(result.reason().startsWith("schema: payload/amount"), result.reason());
  }

  @Test
  void everySharedSchemaIsAKnownType() throws IOException {
    List<String> shared;
    try (Stream<Path> files = Files.list(Path.of("..", "pipeline", "events", "schemas"))) {
      shared = files.map(p -> p.getFileName().toString().replace(".json", "")).sorted().toList();
    }
    assertEquals(EventValidator.EVENT_TYPES.stream().sorted().toList(), shared);
  }
}
