package weir.examples;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded: the numbers 0 .. records-1, counted per key {@code n % keys}, one CSV
 * line {@code key,count} per key written to {@code output.path}. Runs in BATCH
 * execution mode and finishes on its own (job status FINISHED).
 *
 * <p>Properties: {@code SinkConfig}: {@code output.path} (arg {@code --output}; unset:
 * print to stdout); {@code BatchConfig}: {@code records} (default 100000),
 * {@code keys} (default 10), {@code records.per.second} (default 0 = as fast as
 * possible; set it to make the job last a while), {@code runtime.mode}
 * ({@code BATCH} by default, or {@code STREAMING}).
 */
public final class BatchCount {

    public static final String JOB_NAME = "batch-count";
    private static final Logger LOG = LoggerFactory.getLogger(BatchCount.class);

    private BatchCount() {}

    public static void main(String[] args) throws Exception {
        ApplicationProperties props = ApplicationProperties.load(args);
        String output = props.get("SinkConfig", "output.path", null, "output");
        long records = props.getLong("BatchConfig", "records", 100_000L);
        long keys = props.getLong("BatchConfig", "keys", 10L);
        double rate = props.getDouble("BatchConfig", "records.per.second", 0, "rate");
        String mode = props.get("BatchConfig", "runtime.mode", "BATCH").trim().toUpperCase();
        if (records < 0 || records == Long.MAX_VALUE) {
            throw new IllegalArgumentException("BatchConfig.records must be between 0 and " + (Long.MAX_VALUE - 1));
        }
        if (keys < 1) {
            throw new IllegalArgumentException("BatchConfig.keys must be at least 1, got " + keys);
        }
        LOG.info("{}: properties from {}; output={} records={} keys={} rate={}/s mode={}",
                JOB_NAME, props.source(), output == null ? "(stdout)" : output, records, keys, rate, mode);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.valueOf(mode));

        DataGeneratorSource<Long> source = new DataGeneratorSource<>(
                new Identity(),
                records,
                rate > 0 ? RateLimiterStrategy.perSecond(rate) : RateLimiterStrategy.noOp(),
                Types.LONG);

        DataStream<String> counts = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "sequence")
                .uid("sequence-source")
                .map(new KeyAndOne(keys))
                .uid("key-and-one")
                .name("key-and-one")
                .keyBy(new FirstField())
                .reduce(new SumCounts())
                .uid("count-per-key")
                .name("count-per-key")
                .map(new ToCsv())
                .uid("to-csv")
                .name("to-csv");

        if (output == null || output.trim().isEmpty()) {
            counts.print().uid("print-sink").name("print-sink");
        } else {
            FileSink<String> sink = FileSink
                    .forRowFormat(new Path(output.trim()), new SimpleStringEncoder<String>("UTF-8"))
                    .withBucketAssigner(new BasePathBucketAssigner<String>())
                    .withOutputFileConfig(OutputFileConfig.builder()
                            .withPartPrefix(JOB_NAME)
                            .withPartSuffix(".csv")
                            .build())
                    .build();
            counts.sinkTo(sink).uid("file-sink").name("file-sink");
        }

        env.execute(JOB_NAME);
    }

    /** n -> n. */
    public static final class Identity implements GeneratorFunction<Long, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long map(Long n) {
            return n;
        }
    }

    /** n -> (n % keys, 1). */
    public static final class KeyAndOne implements MapFunction<Long, Tuple2<Long, Long>> {
        private static final long serialVersionUID = 1L;
        private final long keys;

        public KeyAndOne(long keys) {
            this.keys = keys;
        }

        @Override
        public Tuple2<Long, Long> map(Long n) {
            return Tuple2.of(n % keys, 1L);
        }
    }

    public static final class FirstField implements KeySelector<Tuple2<Long, Long>, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(Tuple2<Long, Long> t) {
            return t.f0;
        }
    }

    public static final class SumCounts implements ReduceFunction<Tuple2<Long, Long>> {
        private static final long serialVersionUID = 1L;

        @Override
        public Tuple2<Long, Long> reduce(Tuple2<Long, Long> a, Tuple2<Long, Long> b) {
            return Tuple2.of(a.f0, a.f1 + b.f1);
        }
    }

    public static final class ToCsv implements MapFunction<Tuple2<Long, Long>, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String map(Tuple2<Long, Long> t) {
            return t.f0 + "," + t.f1;
        }
    }
}
