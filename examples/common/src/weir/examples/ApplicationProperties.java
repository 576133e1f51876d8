package weir.examples;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The application's environment properties, read the way an application of the
 * managed service reads them, plus program-argument overrides.
 *
 * <p>The file holds the service's JSON array
 * {@code [{"PropertyGroupId": "...", "PropertyMap": {"k": "v"}}]} (an object
 * {@code {"PropertyGroups": [...]}}, the API's shape, is accepted too). Its path is,
 * in order:
 * <ol>
 *   <li>program argument {@code --properties FILE};</li>
 *   <li>JVM system property {@code weir.application.properties};</li>
 *   <li>environment variable {@code WEIR_APPLICATION_PROPERTIES};</li>
 *   <li>{@code /etc/flink/application_properties.json}, where the managed service
 *       puts it (absent: no properties).</li>
 * </ol>
 * A path named explicitly (1-3) that does not exist is an error.
 *
 * <p>Lookups of {@code (group, key)} check, in order: program argument
 * {@code --GROUP.KEY value}, {@code --KEY value}, any aliases the caller names
 * ({@code --ALIAS value}), the file, the default. {@code --k=v} works as well.
 *
 * <p>Self-contained on purpose (only the JDK and the Jackson shaded into flink-dist),
 * so each example jar carries its own copy and needs nothing else at runtime.
 */
public final class ApplicationProperties {

    public static final String ENV_VAR = "WEIR_APPLICATION_PROPERTIES";
    public static final String SYSTEM_PROPERTY = "weir.application.properties";
    public static final String DEFAULT_PATH = "/etc/flink/application_properties.json";

    private final Map<String, Properties> groups;
    private final Map<String, String> args;
    private final String source;

    private ApplicationProperties(Map<String, Properties> groups, Map<String, String> args, String source) {
        this.groups = groups;
        this.args = args;
        this.source = source;
    }

    /** Reads the properties file (see the class comment) and the program arguments. */
    public static ApplicationProperties load(String[] programArgs) throws IOException {
        Map<String, String> args = parseArgs(programArgs == null ? new String[0] : programArgs);
        String explicit = args.get("properties");
        String origin = "program argument --properties";
        if (isBlank(explicit)) {
            explicit = System.getProperty(SYSTEM_PROPERTY);
            origin = "system property " + SYSTEM_PROPERTY;
        }
        if (isBlank(explicit)) {
            explicit = System.getenv(ENV_VAR);
            origin = "environment variable " + ENV_VAR;
        }
        if (!isBlank(explicit)) {
            File f = new File(explicit.trim());
            if (!f.isFile()) {
                throw new IOException("application properties file " + f + " (from " + origin + ") does not exist");
            }
            return new ApplicationProperties(parse(f), args, f.getPath());
        }
        File f = new File(DEFAULT_PATH);
        if (f.isFile()) {
            return new ApplicationProperties(parse(f), args, f.getPath());
        }
        return new ApplicationProperties(new LinkedHashMap<>(), args, "none");
    }

    /** The same call as the service's {@code KinesisAnalyticsRuntime.getApplicationProperties()}. */
    public static Map<String, Properties> getApplicationProperties() throws IOException {
        return load(new String[0]).groups();
    }

    /** Parses a properties file in the service's format. */
    public static Map<String, Properties> parse(File file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file);
        } catch (IOException e) {
            throw new IOException("application properties file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root != null && root.isObject() && root.has("PropertyGroups")) {
            root = root.get("PropertyGroups");
        }
        Map<String, Properties> out = new LinkedHashMap<>();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return out;
        }
        if (!root.isArray()) {
            throw new IOException("application properties file " + file
                    + " must hold a JSON array of {\"PropertyGroupId\": ..., \"PropertyMap\": {...}}");
        }
        for (JsonNode group : root) {
            JsonNode id = group.get("PropertyGroupId");
            if (id == null || !id.isTextual()) {
                throw new IOException("application properties file " + file + ": a group has no PropertyGroupId");
            }
            Properties props = out.computeIfAbsent(id.asText(), k -> new Properties());
            JsonNode map = group.get("PropertyMap");
            if (map != null && map.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> fields = map.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> e = fields.next();
                    JsonNode v = e.getValue();
                    props.setProperty(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
                }
            }
        }
        return out;
    }

    /** {@code --k v}, {@code --k=v}; a {@code --flag} without a value is "true"; other words are ignored. */
    static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a == null || !a.startsWith("-") || a.equals("-") || a.equals("--")) {
                continue;
            }
            String k = a.startsWith("--") ? a.substring(2) : a.substring(1);
            int eq = k.indexOf('=');
            if (eq > 0) {
                out.put(k.substring(0, eq), k.substring(eq + 1));
            } else if (i + 1 < argv.length && !(argv[i + 1].startsWith("--") && argv[i + 1].length() > 2)) {
                out.put(k, argv[++i]);
            } else {
                out.put(k, "true");
            }
        }
        return out;
    }

    /** All property groups from the file (program arguments not applied). */
    public Map<String, Properties> groups() {
        return Collections.unmodifiableMap(groups);
    }

    /** One group from the file; empty if absent. */
    public Properties group(String groupId) {
        Properties p = groups.get(groupId);
        return p == null ? new Properties() : p;
    }

    /** The program arguments as parsed. */
    public Map<String, String> args() {
        return Collections.unmodifiableMap(args);
    }

    /** Where the properties came from: a path, or "none". */
    public String source() {
        return source;
    }

    public String get(String groupId, String key, String defaultValue, String... argAliases) {
        List<String> names = new ArrayList<>();
        names.add(groupId + "." + key);
        names.add(key);
        Collections.addAll(names, argAliases);
        for (String n : names) {
            String v = args.get(n);
            if (v != null) {
                return v;
            }
        }
        String v = group(groupId).getProperty(key);
        return v != null ? v : defaultValue;
    }

    public long getLong(String groupId, String key, long defaultValue, String... argAliases) {
        String v = get(groupId, key, null, argAliases);
        if (isBlank(v)) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(groupId + "." + key + " must be an integer, got '" + v + "'");
        }
    }

    public double getDouble(String groupId, String key, double defaultValue, String... argAliases) {
        String v = get(groupId, key, null, argAliases);
        if (isBlank(v)) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(groupId + "." + key + " must be a number, got '" + v + "'");
        }
    }

    /** {@code true}/{@code false} (also yes/no, on/off, 1/0; case-insensitive); blank: the default. */
    public boolean getBoolean(String groupId, String key, boolean defaultValue, String... argAliases) {
        String v = get(groupId, key, null, argAliases);
        if (isBlank(v)) {
            return defaultValue;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return true;
            case "false": case "no": case "off": case "0":
                return false;
            default:
                throw new IllegalArgumentException(groupId + "." + key + " must be true or false, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return "ApplicationProperties{source=" + source + ", groups=" + groups + ", args=" + args + "}";
    }

    private static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }
}
