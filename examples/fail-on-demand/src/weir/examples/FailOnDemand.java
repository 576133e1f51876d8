package weir.examples;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fails when its properties say so. {@code FailConfig}: {@code fail.mode}
 * <ul>
 *   <li>{@code main}: main() throws before building the job, with the message
 *       "fail-on-demand: failing in main() as configured";</li>
 *   <li>{@code runtime}: the job starts, and its operator throws after
 *       {@code fail.after.records} records (default 100) per attempt, so Flink
 *       restarts it again and again (RESTARTING) under the cluster's restart
 *       strategy;</li>
 *   <li>absent, empty or {@code none}: a small unbounded job that never fails.</li>
 * </ul>
 * {@code SourceConfig}: {@code records.per.second} (default 100, in total; 0 =
 * unthrottled), {@code splits} (default 32), as in streaming-count.
 */
public final class FailOnDemand {

    public static final String JOB_NAME = "fail-on-demand";
    public static final String MAIN_FAILURE = "fail-on-demand: failing in main() as configured";
    private static final Logger LOG = LoggerFactory.getLogger(FailOnDemand.class);

    private FailOnDemand() {}

    public static void main(String[] args) throws Exception {
        ApplicationProperties props = ApplicationProperties.load(args);
        String mode = props.get("FailConfig", "fail.mode", "none", "fail-mode").trim().toLowerCase();
        long failAfter = props.getLong("FailConfig", "fail.after.records", 100L);
        double rate = props.getDouble("SourceConfig", "records.per.second", 100, "rate");
        long splits = props.getLong("SourceConfig", "splits", 32);
        if (splits < 1 || splits > 1 << 16) {
            throw new IllegalArgumentException("SourceConfig.splits must be between 1 and 65536, got " + splits);
        }
        LOG.info("{}: properties from {}; fail.mode={} fail.after.records={} rate={}/s",
                JOB_NAME, props.source(), mode, failAfter, rate);

        boolean failAtRuntime;
        switch (mode) {
            case "main":
                throw new IllegalStateException(MAIN_FAILURE);
            case "runtime":
                failAtRuntime = true;
                break;
            case "":
            case "none":
                failAtRuntime = false;
                break;
            default:
                throw new IllegalArgumentException("fail-on-demand: unknown FailConfig fail.mode '" + mode
                        + "' (expected main, runtime or none)");
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SequenceSource source = new SequenceSource((int) splits, rate);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "datagen", Types.LONG)
                .uid("datagen-source")
                .map(new FailAfter(failAtRuntime ? failAfter : -1))
                .uid("fail-after")
                .name(failAtRuntime ? "fail-after-" + failAfter + "-records" : "pass-through")
                .sinkTo(new DiscardingSink<Long>())
                .uid("discard")
                .name("discard");
        env.execute(JOB_NAME);
    }

    /**
     * Passes records through and throws once it has seen {@code limit} of them
     * (negative: never). The count lives in the instance, not in state, so every
     * restart starts again from zero and fails again.
     */
    public static final class FailAfter implements MapFunction<Long, Long> {
        private static final long serialVersionUID = 1L;
        private final long limit;
        private long seen;

        public FailAfter(long limit) {
            this.limit = limit;
        }

        @Override
        public Long map(Long n) {
            seen++;
            if (limit >= 0 && seen > limit) {
                throw new RuntimeException("fail-on-demand: failing after " + limit + " records as configured");
            }
            return n;
        }
    }
}
