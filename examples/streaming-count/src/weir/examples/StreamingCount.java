package weir.examples;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unbounded, stateful: numbers 0, 1, 2, ... at a fixed rate ({@link SequenceSource}), keyed by
 * {@code n % keys}, a running count per key in keyed {@code ValueState}, written as
 * CSV lines {@code key,count,n[,tag]} to a file sink whose part files are committed
 * on every checkpoint. Checkpointing and the restart strategy come from the cluster.
 *
 * <p>Properties: {@code SinkConfig}: {@code output.path} (arg {@code --output}; unset:
 * print to stdout), {@code tag}; {@code SourceConfig}: {@code records.per.second}
 * (default 200, in total; 0 = unthrottled), {@code keys} (default 10), {@code splits}
 * (default 32: the most parallelism the source spreads over; only read on a fresh
 * start, a restored job keeps its splits); {@code CountConfig}: {@code extra.operator}
 * (arg {@code --extra-operator}; default false: when true, one more stateful operator,
 * uid {@code extra-state}, follows the count and passes its lines through unchanged,
 * so savepoints of the two shapes differ by one operator's state, for tests of
 * allowNonRestoredState).
 */
public final class StreamingCount {

    public static final String JOB_NAME = "streaming-count";
    private static final Logger LOG = LoggerFactory.getLogger(StreamingCount.class);

    private StreamingCount() {}

    public static void main(String[] args) throws Exception {
        ApplicationProperties props = ApplicationProperties.load(args);
        String output = props.get("SinkConfig", "output.path", null, "output");
        String tag = props.get("SinkConfig", "tag", "", "tag");
        double rate = props.getDouble("SourceConfig", "records.per.second", 200, "rate");
        long keys = props.getLong("SourceConfig", "keys", 10);
        long splits = props.getLong("SourceConfig", "splits", 32);
        boolean extra = props.getBoolean("CountConfig", "extra.operator", false, "extra-operator");
        if (keys < 1) {
            throw new IllegalArgumentException("SourceConfig.keys must be at least 1, got " + keys);
        }
        if (splits < 1 || splits > 1 << 16) {
            throw new IllegalArgumentException("SourceConfig.splits must be between 1 and 65536, got " + splits);
        }
        LOG.info("{}: properties from {}; output={} rate={}/s keys={} splits={} extra={} tag='{}'",
                JOB_NAME, props.source(), output == null ? "(stdout)" : output, rate, keys, splits, extra, tag);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        SequenceSource source = new SequenceSource((int) splits, rate);

        DataStream<String> counts = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "datagen", Types.LONG)
                .uid("datagen-source")
                .keyBy(new Modulo(keys))
                .process(new CountPerKey(tag))
                .uid("keyed-count")
                .name("keyed-count");

        if (extra) {
            counts = counts
                    .keyBy(new LineKey())
                    .process(new SeenPerKey())
                    .uid("extra-state")
                    .name("extra-state");
        }

        LineSink.attach(counts, output, JOB_NAME);

        env.execute(JOB_NAME);
    }

    /** n -> n % keys. */
    public static final class Modulo implements KeySelector<Long, Long> {
        private static final long serialVersionUID = 1L;
        private final long keys;

        public Modulo(long keys) {
            this.keys = keys;
        }

        @Override
        public Long getKey(Long n) {
            return n % keys;
        }
    }

    /** "key,count,n[,tag]" -> key, the key the line was counted under. */
    public static final class LineKey implements KeySelector<String, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(String line) {
            int comma = line.indexOf(',');
            return Long.parseLong(comma < 0 ? line : line.substring(0, comma));
        }
    }

    /**
     * The optional extra operator: keeps a per-key {@code ValueState<Long>} "seen"
     * (lines seen for the key) and passes every line through unchanged. It exists
     * only so that a savepoint carries state for one more operator (uid
     * {@code extra-state}) than the job without it; same first-use state handle as
     * {@link CountPerKey}.
     */
    public static final class SeenPerKey extends KeyedProcessFunction<Long, String, String> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<Long> seen;

        @Override
        public void processElement(String line, Context ctx, Collector<String> out) throws Exception {
            if (seen == null) {
                seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.LONG));
            }
            Long c = seen.value();
            seen.update((c == null ? 0L : c) + 1);
            out.collect(line);
        }
    }

    /**
     * Counts per key in keyed state. The state handle is taken on first use rather
     * than in open(): open's signature differs between Flink 1.x and 2.x.
     */
    public static final class CountPerKey extends KeyedProcessFunction<Long, Long, String> {
        private static final long serialVersionUID = 1L;
        private final String tag;
        private transient ValueState<Long> count;

        public CountPerKey(String tag) {
            this.tag = tag == null ? "" : tag;
        }

        @Override
        public void processElement(Long n, Context ctx, Collector<String> out) throws Exception {
            if (count == null) {
                count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            }
            Long c = count.value();
            long next = (c == null ? 0L : c) + 1;
            count.update(next);
            String line = ctx.getCurrentKey() + "," + next + "," + n;
            out.collect(tag.isEmpty() ? line : line + "," + tag);
        }
    }
}
