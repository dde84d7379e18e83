package com.miracle.c360.streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

/**
 * The application's settings: built-in defaults, then an optional properties file, then the environment. Any Kafka
 * Streams property may be set in the file; {@code processing.guarantee} is always {@code exactly_once_v2}.
 */
public record AppConfig(Properties streams, Topics topics, Duration dedupRetention, Duration topicWait) {
  public static final String TOPIC_PREFIX = "c360.topic.prefix";
  public static final String DEDUP_RETENTION_MS = "c360.dedup.retention.ms";
  public static final String TOPIC_WAIT_MS = "c360.startup.topic.wait.ms";

  /** Environment variable → property it sets. */
  static final Map<String, String> ENVIRONMENT =
      Map.of(
          "C360_KAFKA_BOOTSTRAP", StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
          "C360_STREAMS_APPLICATION_ID", StreamsConfig.APPLICATION_ID_CONFIG,
          "C360_STREAMS_STATE_DIR", StreamsConfig.STATE_DIR_CONFIG,
          "C360_STREAMS_COMMIT_INTERVAL_MS", StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
          "C360_KAFKA_TOPIC_PREFIX", TOPIC_PREFIX);

  public static AppConfig load(Path file, Map<String, String> environment) {
    Properties props = defaults();
    if (file != null) {
      try (InputStream in = Files.newInputStream(file)) {
        Properties fromFile = new Properties();
        fromFile.load(in);
        props.putAll(fromFile);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read settings file " + file, e);
      }
    }
    ENVIRONMENT.forEach(
        (variable, property) -> {
          String value = environment.get(variable);
          if (value != null && !value.isBlank()) {
            props.setProperty(property, value.trim());
          }
        });
    props.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    Topics topics = new Topics((String) props.remove(TOPIC_PREFIX));
    Duration retention = Duration.ofMillis(Long.parseLong((String) props.remove(DEDUP_RETENTION_MS)));
    Duration wait = Duration.ofMillis(Long.parseLong((String) props.remove(TOPIC_WAIT_MS)));
    return new AppConfig(props, topics, retention, wait);
  }

  static Properties defaults() {
    Properties props = new Properties();
    props.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "c360-streams");
    props.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
    props.setProperty(StreamsConfig.STATE_DIR_CONFIG, "var/streams-state");
    props.setProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "20");
    props.setProperty(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
    props.setProperty(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
    props.setProperty(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueProcessingExceptionHandler.class.getName());
    props.setProperty(TOPIC_PREFIX, Topics.DEFAULT_PREFIX);
    props.setProperty(DEDUP_RETENTION_MS, Long.toString(C360Topology.DEFAULT_DEDUP_RETENTION.toMillis()));
    props.setProperty(TOPIC_WAIT_MS, "60000");
    return props;
  }
}
