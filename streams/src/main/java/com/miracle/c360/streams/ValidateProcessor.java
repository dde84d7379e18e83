package com.miracle.c360.streams;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks each received event: a valid one goes on as {@code {"event", "t"}} (t = occurred_at in epoch ms), a bad one as
 * {@code {"dead_letter": {"reason", "topic", "partition", "offset", "raw"}}}, keyed as received.
 */
public final class ValidateProcessor implements Processor<byte[], byte[], byte[], ObjectNode> {
  private static final Logger logger = LoggerFactory.getLogger(ValidateProcessor.class);

  private final EventValidator validator;
  private ProcessorContext<byte[], ObjectNode> context;

  public ValidateProcessor(EventValidator validator) {
    this.validator = validator;
  }

  @Override
  public void init(ProcessorContext<byte[], ObjectNode> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    EventValidator.Result result = validator.check(record.value());
    ObjectNode out = Json.object();
    if (result.valid()) {
      out.set("event", result.event());
      out.put("t", result.occurredAtMs());
    } else {
      RecordMetadata where = context.recordMetadata().orElse(null);
      ObjectNode letter = Json.object();
      letter.put("reason", result.reason());
      letter.put("topic", where == null ? null : where.topic());
      letter.put("partition", where == null ? -1 : where.partition());
      letter.put("offset", where == null ? -1L : where.offset());
      letter.put("raw", record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8));
      out.set("dead_letter", letter);
      logger.debug("dead letter at {}: {}", where, result.reason());
    }
    context.forward(record.withValue(out));
  }
}
