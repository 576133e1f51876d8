package com.amazonaws.services.kinesisanalytics.runtime;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A STAND-IN for the class of the service's runtime library,
 * {@code com.amazonaws:aws-kinesisanalytics-runtime} 1.2.0, which cannot be downloaded
 * here (no Maven Central). It is bundled into {@code getting-started-bundled.jar} to
 * show what happens when a job jar carries its own copy of the library instead of
 * leaving it to the platform: Flink loads it child-first, so this copy is the one the
 * job uses, not Weir's.
 *
 * <p>Written for this repository from the library's documented behaviour, not copied
 * from it: it reads only the service's fixed path
 * {@code /etc/flink/application_properties.json} (the one-argument form reads the
 * file given), parses it with the Jackson that Flink shades (the same package in
 * Flink 1.18 to 2.x), and gives an empty map when the file does not exist. It knows
 * nothing of Weir's other places (a system property, an environment variable, a
 * class path resource), so on Weir it sees properties only where Weir makes the
 * fixed path exist.
 */
public final class KinesisAnalyticsRuntime {

    private static final String APPLICATION_PROPERTIES_FILE = "/etc/flink/application_properties.json";

    private KinesisAnalyticsRuntime() {}

    public static Map<String, Properties> getApplicationProperties() throws IOException {
        return getApplicationProperties(APPLICATION_PROPERTIES_FILE);
    }

    public static Map<String, Properties> getApplicationProperties(String filename) throws IOException {
        Map<String, Properties> groups = new HashMap<String, Properties>();
        JsonNode root;
        try (InputStream in = new FileInputStream(filename)) {
            root = new ObjectMapper().readTree(in);
        } catch (FileNotFoundException missing) {
            return groups;
        }
        for (JsonNode group : root) {
            Properties properties = new Properties();
            JsonNode map = group.get("PropertyMap");
            if (map != null) {
                Iterator<Map.Entry<String, JsonNode>> entries = map.fields();
                while (entries.hasNext()) {
                    Map.Entry<String, JsonNode> entry = entries.next();
                    properties.setProperty(entry.getKey(), entry.getValue().asText());
                }
            }
            groups.put(group.path("PropertyGroupId").asText(), properties);
        }
        return groups;
    }
}
