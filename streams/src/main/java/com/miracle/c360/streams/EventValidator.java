package com.miracle.c360.streams;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Checks a received value against the contract, in its order: not JSON, unknown type, unsupported schema version, schema
 * failure. The schemas are {@code pipeline/events/schemas/*.json}, put on the classpath under {@code schemas/}.
 */
public final class EventValidator {
  public static final List<String> EVENT_TYPES =
      List.of(
          "order_placed",
          "invoice_paid",
          "payment_received",
          "lead_created",
          "lead_moved",
          "campaign_impression",
          "campaign_click",
          "visit",
          "social_mention",
          "support_contact",
          "profile_change");
  public static final int SCHEMA_VERSION = 1;
  /** Money fields are summed exactly: an amount or cost must be below this (home currency). */
  public static final BigDecimal MONEY_LIMIT = new BigDecimal("1000000000000");
  static final Map<String, String> MONEY_FIELDS = Map.of("order_placed", "amount", "campaign_click", "cost");

  private final Map<String, Schema> schemas = new LinkedHashMap<>();

  public EventValidator() {
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    for (String type : EVENT_TYPES) {
      String resource = "/schemas/" + type + ".json";
      try (InputStream in = EventValidator.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("event schema missing from the classpath: " + resource);
        }
        schemas.put(type, registry.getSchema(Json.MAPPER.readTree(in)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read event schema " + resource, e);
      }
    }
  }

  /** A valid event, or the dead-letter reason {@code <code>: <detail>}. */
  public record Result(JsonNode event, long occurredAtMs, String reason) {
    public boolean valid() {
      return reason == null;
    }

    static Result invalid(String code, String detail) {
      return new Result(null, 0L, code + ": " + detail);
    }
  }

  public Result check(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return Result.invalid("invalid_json", "empty value");
    }
    JsonNode event;
    try {
      event = Json.parse(raw);
    } catch (JacksonException e) {
      return Result.invalid("invalid_json", e.getOriginalMessage());
    }
    if (event == null || !event.isObject()) {
      String kind = event == null ? "nothing" : event.getNodeType().name().toLowerCase();
      return Result.invalid("invalid_json", "expected an object, got " + kind);
    }
    JsonNode type = event.get("type");
    if (type == null || !type.isString() || !schemas.containsKey(type.stringValue())) {
      return Result.invalid("unknown_type", type == null ? "missing" : type.toString());
    }
    JsonNode version = event.get("schema_version");
    if (!isVersionOne(version)) {
      return Result.invalid("unsupported_version", version == null ? "missing" : version.toString());
    }
    List<Error> errors = schemas.get(type.stringValue()).validate(event);
    if (!errors.isEmpty()) {
      Error first =
          errors.stream()
              .min(Comparator.comparing((Error e) -> e.getInstanceLocation().toString()))
              .orElseThrow();
      return Result.invalid("schema", first.getInstanceLocation() + ": " + first.getMessage());
    }
    String moneyField = MONEY_FIELDS.get(type.stringValue());
    if (moneyField != null && event.get("payload").get(moneyField).decimalValue().compareTo(MONEY_LIMIT) >= 0) {
      return Result.invalid("schema", "payload/" + moneyField + ": must be below " + MONEY_LIMIT.toPlainString());
    }
    String occurredAt = event.get("occurred_at").stringValue();
    try {
      return new Result(event, Instant.parse(occurredAt).toEpochMilli(), null);
    } catch (DateTimeParseException e) {
      return Result.invalid("schema", "occurred_at: not a date-time: " + occurredAt);
    }
  }

  /** Version 1 (or a value the schema's {@code const} must judge, as {@code 1.0} or {@code true}). */
  private static boolean isVersionOne(JsonNode version) {
    if (version == null) {
      return false;
    }
    if (version.isBoolean()) {
      return version.booleanValue();
    }
    return version.isNumber()
        && version.decimalValue().compareTo(BigDecimal.valueOf(SCHEMA_VERSION)) == 0;
  }
}
