package com.miracle.c360.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings come from defaults, then the properties file, then the environment; exactly-once always. */
class AppConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsNeedNoSettings() {
    AppConfig config = AppConfig.load(null, Map.of());
    assertEquals("20", config.streams().getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
    assertEquals(StreamsConfig.EXACTLY_ONCE_V2, config.streams().getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("c360.events", config.topics().events());
    assertEquals("c360.events.dlq", config.topics().deadLetters());
    assertEquals(Duration.ofDays(3), config.dedupRetention());
  }

  @Test
  void environmentOverridesTheFile() throws IOException {
    Path file = dir.resolve("streams.properties");
    Files.writeString(
        file,
        String.join(
            "\n",
            "bootstrap.servers=file:9092",
            "application.id=from-file",
            "num.stream.threads=2",
            "processing.guarantee=at_least_once",
            "c360.topic.prefix=file",
            "c360.dedup.retention.ms=60000"));
    AppConfig config =
        AppConfig.load(
            file,
            Map.of(
                "C360_KAFKA_BOOTSTRAP", "127.0.0.1:19092",
                "C360_STREAMS_STATE_DIR", "/var/tmp/state",
                "C360_STREAMS_COMMIT_INTERVAL_MS", "20",
                "C360_KAFKA_TOPIC_PREFIX", "t1"));
    assertEquals("127.0.0.1:19092", config.streams().getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
    assertEquals("from-file", config.streams().getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
    assertEquals("/var/tmp/state", config.streams().getProperty(StreamsConfig.STATE_DIR_CONFIG));
    assertEquals("20", config.streams().getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
    assertEquals("2", config.streams().getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
    assertEquals(StreamsConfig.EXACTLY_ONCE_V2, config.streams().getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("t1.kpis", config.topics().kpis());
    assertEquals(Duration.ofMinutes(1), config.dedupRetention());
  }
}
