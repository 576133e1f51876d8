package weir.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * streaming-count with a load that can be switched while the job runs, for testing
 * autoscaling: numbers 0, 1, 2, ... at a fixed total rate ({@link SequenceSource}),
 * keyed by {@code n % keys}, a running count per key in keyed {@code ValueState},
 * lines {@code key,count,n[,tag]} to a file sink committed on checkpoints (or
 * stdout). Stateful and rescalable exactly like streaming-count.
 *
 * <p>Each keyed-count subtask reads the mode from a control file holding one word,
 * looking at most every 500 ms (a stat; the file is read only when it changed):
 * <ul>
 *   <li>{@code idle}: records are counted, nothing more;</li>
 *   <li>{@code cpu}: each record first busy-spins for {@code cpu.micros.per.record}
 *       microseconds (default 20000): CPU-bound;</li>
 *   <li>{@code slow}: each record first sleeps {@code sleep.micros.per.record}
 *       microseconds (default 20000): busy and back-pressuring, not CPU-bound.</li>
 * </ul>
 *
 * <p>Properties: {@code LoadConfig}: {@code control.file} (unset: the mode stays
 * {@code mode}), {@code mode} (default idle: the mode when there is no control
 * file, before it is first read, and while it is missing), {@code cpu.micros.per.record},
 * {@code sleep.micros.per.record}, {@code record.bytes} (default 1024: padding
 * carried by each record from the source to the count, so that few records fill a
 * network buffer and back pressure reaches the source within seconds);
 * {@code SourceConfig}: {@code records.per.second} (default 100, in total),
 * {@code keys} (default 100), {@code splits} (default 32); {@code SinkConfig}:
 * {@code output.path}, {@code tag}, as in streaming-count.
 */
public final class LoadControl {

    public static final String JOB_NAME = "load-control";
    private static final Logger LOG = LoggerFactory.getLogger(LoadControl.class);

    /** How often a subtask looks at the control file, at most. */
    static final long CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** The record between the source and the count: n and its padding. */
    static final TypeInformation<Tuple2<Long, byte[]>> RECORD =
            Types.TUPLE(Types.LONG, Types.PRIMITIVE_ARRAY(Types.BYTE));

    private LoadControl() {}

    /** The load applied to each record. */
    public enum Mode {
        IDLE, CPU, SLOW;

        /** The mode a control-file word names, or null. */
        static Mode parse(String word) {
            if (word == null) {
                return null;
            }
            switch (word.trim().toLowerCase(Locale.ROOT)) {
                case "idle":
                    return IDLE;
                case "cpu":
                    return CPU;
                case "slow":
                    return SLOW;
                default:
                    return null;
            }
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static void main(String[] args) throws Exception {
        ApplicationProperties props = ApplicationProperties.load(args);
        String output = props.get("SinkConfig", "output.path", null, "output");
        String tag = props.get("SinkConfig", "tag", "", "tag");
        double rate = props.getDouble("SourceConfig", "records.per.second", 100, "rate");
        long keys = props.getLong("SourceConfig", "keys", 100);
        long splits = props.getLong("SourceConfig", "splits", 32);
        String controlFile = props.get("LoadConfig", "control.file", null, "control-file");
        String modeWord = props.get("LoadConfig", "mode", "idle", "mode");
        long cpuMicros = props.getLong("LoadConfig", "cpu.micros.per.record", 20_000L);
        long sleepMicros = props.getLong("LoadConfig", "sleep.micros.per.record", 20_000L);
        long recordBytes = props.getLong("LoadConfig", "record.bytes", 1024L);
        if (keys < 1) {
            throw new IllegalArgumentException("SourceConfig.keys must be at least 1, got " + keys);
        }
        if (splits < 1 || splits > 1 << 16) {
            throw new IllegalArgumentException("SourceConfig.splits must be between 1 and 65536, got " + splits);
        }
        Mode mode = Mode.parse(modeWord);
        if (mode == null) {
            throw new IllegalArgumentException("LoadConfig.mode must be idle, cpu or slow, got '" + modeWord + "'");
        }
        if (cpuMicros < 0 || sleepMicros < 0) {
            throw new IllegalArgumentException("LoadConfig cpu.micros.per.record and sleep.micros.per.record"
                    + " must not be negative, got " + cpuMicros + " and " + sleepMicros);
        }
        if (recordBytes < 0 || recordBytes > 1 << 20) {
            throw new IllegalArgumentException("LoadConfig.record.bytes must be between 0 and 1048576, got "
                    + recordBytes);
        }
        if (controlFile != null && controlFile.trim().isEmpty()) {
            controlFile = null;
        }
        LOG.info("{}: properties from {}; output={} rate={}/s keys={} splits={} control.file={} mode={}"
                        + " cpu.micros.per.record={} sleep.micros.per.record={} record.bytes={} tag='{}'",
                JOB_NAME, props.source(), output == null ? "(stdout)" : output, rate, keys, splits,
                controlFile == null ? "(none: mode fixed)" : controlFile.trim(), mode.word(),
                cpuMicros, sleepMicros, recordBytes, tag);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        SequenceSource source = new SequenceSource((int) splits, rate);

        DataStream<String> counts = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "datagen", Types.LONG)
                .uid("datagen-source")
                .map(new Pad((int) recordBytes))
                .returns(RECORD)
                .uid("pad")
                .name("pad")
                .keyBy(new Modulo(keys))
                .process(new LoadedCount(
                        controlFile == null ? null : controlFile.trim(), mode, cpuMicros, sleepMicros, tag))
                .uid("keyed-count")
                .name("keyed-count");

        LineSink.attach(counts, output, JOB_NAME);

        env.execute(JOB_NAME);
    }

    /** n -> (n, padding). Stateless, chained to the source. */
    public static final class Pad implements MapFunction<Long, Tuple2<Long, byte[]>> {
        private static final long serialVersionUID = 1L;
        private final int bytes;

        public Pad(int bytes) {
            this.bytes = bytes;
        }

        @Override
        public Tuple2<Long, byte[]> map(Long n) {
            return Tuple2.of(n, new byte[bytes]);
        }
    }

    /** (n, padding) -> n % keys. */
    public static final class Modulo implements KeySelector<Tuple2<Long, byte[]>, Long> {
        private static final long serialVersionUID = 1L;
        private final long keys;

        public Modulo(long keys) {
            this.keys = keys;
        }

        @Override
        public Long getKey(Tuple2<Long, byte[]> record) {
            return record.f0 % keys;
        }
    }

    /**
     * streaming-count's count per key, with the current mode's load applied to
     * every record first. The state handle is taken on first use rather than in
     * open(): open's signature differs between Flink 1.x and 2.x.
     */
    public static final class LoadedCount extends KeyedProcessFunction<Long, Tuple2<Long, byte[]>, String> {
        private static final long serialVersionUID = 1L;
        private final String controlFile;
        private final Mode configuredMode;
        private final long cpuMicros;
        private final long sleepMicros;
        private final String tag;
        private transient ValueState<Long> count;
        private transient ModeSwitch modeSwitch;
        /** Where the spin's result goes, so that it is not optimised away. */
        private transient long spun;

        public LoadedCount(String controlFile, Mode mode, long cpuMicros, long sleepMicros, String tag) {
            this.controlFile = controlFile;
            this.configuredMode = mode;
            this.cpuMicros = cpuMicros;
            this.sleepMicros = sleepMicros;
            this.tag = tag == null ? "" : tag;
        }

        @Override
        public void processElement(Tuple2<Long, byte[]> record, Context ctx, Collector<String> out) throws Exception {
            if (count == null) {
                count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
                // getTaskInfo() is in both 1.19+ and 2.x (getIndexOfThisSubtask() on the
                // context itself is gone in 2.x).
                modeSwitch = new ModeSwitch(controlFile, configuredMode,
                        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
            }
            long n = record.f0;
            switch (modeSwitch.current(System.nanoTime())) {
                case CPU:
                    spun += spin(cpuMicros, n);
                    break;
                case SLOW:
                    if (sleepMicros > 0) {
                        Thread.sleep(sleepMicros / 1000, (int) (sleepMicros % 1000) * 1000);
                    }
                    break;
                default:
                    break;
            }
            Long c = count.value();
            long next = (c == null ? 0L : c) + 1;
            count.update(next);
            String line = ctx.getCurrentKey() + "," + next + "," + n;
            out.collect(tag.isEmpty() ? line : line + "," + tag);
        }
    }

    /**
     * Burns CPU for {@code micros} microseconds of wall-clock time: xorshift rounds
     * between clock reads. The result is returned (and kept by the caller) so the
     * JIT cannot drop the work; the loop's bound is the clock, so it spins for the
     * time asked whatever the JIT does with the arithmetic.
     */
    static long spin(long micros, long seed) {
        if (micros <= 0) {
            return 0;
        }
        long deadline = System.nanoTime() + micros * 1000L;
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        do {
            for (int i = 0; i < 256; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
        } while (System.nanoTime() - deadline < 0);
        return x;
    }

    /**
     * The mode of one subtask. Without a control file it is the configured mode.
     * With one, the file is looked at (a stat) at most every 500 ms and read when
     * its modification time, size or identity changed, or while it was modified
     * less than 2 s ago (so two writes within one timestamp tick are not missed).
     * Its one word, any case, surrounded by white space, is the mode. A missing
     * file means the configured mode; an empty file (caught mid-write) changes
     * nothing; an unknown word is logged and changes nothing. Each change is
     * logged as {@code load-control: subtask I mode M}.
     */
    static final class ModeSwitch {
        private static final long RACY_MILLIS = 2000;
        private static final int MAX_BYTES = 4096;

        private final Path file;
        private final Mode configured;
        private final int subtask;
        private Mode mode;
        private boolean announced;
        private boolean checked;
        private long lastCheckNanos;
        private String lastSeen;
        private String lastProblem;

        ModeSwitch(String controlFile, Mode configured, int subtask) {
            this.file = controlFile == null ? null : Paths.get(controlFile);
            this.configured = configured;
            this.subtask = subtask;
            this.mode = configured;
        }

        Mode current(long nowNanos) {
            if (file == null) {
                if (!announced) {
                    announced = true;
                    LOG.info("{}: subtask {} mode {} (fixed: no control file)", JOB_NAME, subtask, mode.word());
                }
                return mode;
            }
            if (checked && nowNanos - lastCheckNanos < CHECK_INTERVAL_NANOS) {
                return mode;
            }
            checked = true;
            lastCheckNanos = nowNanos;
            look();
            return mode;
        }

        private void look() {
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                lastSeen = null;
                switchTo(configured, "control file " + file + " absent: the configured mode");
                return;
            } catch (IOException e) {
                problem("cannot stat control file " + file + ": " + e);
                return;
            }
            long mtimeMillis = attrs.lastModifiedTime().toMillis();
            String seen = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "/" + attrs.size() + "/"
                    + attrs.fileKey();
            boolean racy = System.currentTimeMillis() - mtimeMillis < RACY_MILLIS;
            if (seen.equals(lastSeen) && !racy) {
                return;
            }
            lastSeen = seen;
            if (!attrs.isRegularFile() || attrs.size() > MAX_BYTES) {
                problem("control file " + file + " is not a small regular file");
                return;
            }
            String word;
            try {
                word = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
            } catch (NoSuchFileException e) {
                lastSeen = null;
                switchTo(configured, "control file " + file + " absent: the configured mode");
                return;
            } catch (IOException e) {
                lastSeen = null;
                problem("cannot read control file " + file + ": " + e);
                return;
            }
            if (word.isEmpty()) {
                lastSeen = null; // probably caught between truncate and write: look again next time
                return;
            }
            Mode m = Mode.parse(word);
            if (m == null) {
                problem("control file " + file + " says '" + word + "', not idle, cpu or slow; mode stays "
                        + mode.word());
                return;
            }
            switchTo(m, "control file " + file);
        }

        private void switchTo(Mode m, String why) {
            lastProblem = null;
            if (m != mode || !announced) {
                mode = m;
                announced = true;
                LOG.info("{}: subtask {} mode {} ({})", JOB_NAME, subtask, m.word(), why);
            }
        }

        private void problem(String message) {
            if (!message.equals(lastProblem)) {
                lastProblem = message;
                LOG.warn("{}: subtask {}: {}", JOB_NAME, subtask, message);
            }
            if (!announced) {
                announced = true;
                LOG.info("{}: subtask {} mode {} (configured)", JOB_NAME, subtask, mode.word());
            }
        }
    }
}
