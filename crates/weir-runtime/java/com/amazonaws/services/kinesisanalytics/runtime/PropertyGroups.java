package com.amazonaws.services.kinesisanalytics.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the service's properties file, a JSON array of property groups
 * {@code [{"PropertyGroupId": "G", "PropertyMap": {"k": "v"}}, ...]}, with the JDK
 * alone: a strict JSON reader (RFC 8259: no comments, no trailing commas) that knows
 * only this shape.
 *
 * <ul>
 * <li>Each group becomes a {@link Properties} under its id; a later group with the
 *     same id replaces an earlier one, a later key the earlier key.</li>
 * <li>Values in {@code PropertyMap} are strings; numbers and {@code true}/{@code false}
 *     become their text as written ({@code 10}, {@code 1.5e3}, {@code true}); a
 *     {@code null} value leaves the key out; an object or array is an error.</li>
 * <li>A group without {@code PropertyMap} is an empty group; one without a string
 *     {@code PropertyGroupId} is an error. Other members are ignored.</li>
 * <li>The bytes are UTF-8 (a leading byte-order mark is skipped). A file of white
 *     space only holds no groups.</li>
 * </ul>
 *
 * Every error is an {@link IOException} that names the file and the line, column and
 * character offset where reading stopped.
 */
final class PropertyGroups {

    /** Deeper nesting (inside ignored members) is refused rather than recursed into. */
    private static final int MAX_DEPTH = 256;

    private final String text;
    private final String source;
    private int pos;

    private PropertyGroups(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /** Parses {@code bytes}; {@code source} names the file in error messages. */
    static Map<String, Properties> parse(byte[] bytes, String source) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException(source + ": the application properties are not UTF-8 text", e);
        }
        PropertyGroups reader = new PropertyGroups(text, source);
        if (text.startsWith("\uFEFF")) {
            reader.pos = 1;
        }
        return reader.document();
    }

    private Map<String, Properties> document() throws IOException {
        Map<String, Properties> groups = new HashMap<String, Properties>();
        skipSpace();
        if (pos == text.length()) {
            return groups; // an empty file: no properties (Jackson reads no node either)
        }
        if (peek() != '[') {
            throw error("expected a JSON array of property groups "
                    + "[{\"PropertyGroupId\": ..., \"PropertyMap\": {...}}, ...]");
        }
        pos++;
        skipSpace();
        if (peek() == ']') {
            pos++;
        } else {
            while (true) {
                group(groups);
                skipSpace();
                int c = peek();
                if (c == ',') {
                    pos++;
                    skipSpace();
                } else if (c == ']') {
                    pos++;
                    break;
                } else {
                    throw error("expected ',' or ']' after a property group");
                }
            }
        }
        skipSpace();
        if (pos < text.length()) {
            throw error("unexpected text after the array of property groups");
        }
        return groups;
    }

    private void group(Map<String, Properties> groups) throws IOException {
        int start = pos;
        if (peek() != '{') {
            throw error("expected a property group {\"PropertyGroupId\": ..., \"PropertyMap\": {...}}");
        }
        pos++;
        String id = null;
        Properties properties = new Properties();
        skipSpace();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                String member = name();
                if (member.equals("PropertyGroupId")) {
                    if (peek() != '"') {
                        throw error("PropertyGroupId must be a string");
                    }
                    id = string();
                } else if (member.equals("PropertyMap")) {
                    properties = propertyMap(id);
                } else {
                    skipValue(1);
                }
                if (endOfObject()) {
                    break;
                }
            }
        }
        if (id == null) {
            pos = start;
            throw error("a property group has no \"PropertyGroupId\"");
        }
        groups.put(id, properties);
    }

    private Properties propertyMap(String group) throws IOException {
        String where = group == null ? "PropertyMap" : "PropertyMap of group \"" + group + "\"";
        if (peek() != '{') {
            throw error("expected an object {\"key\": \"value\", ...} as " + where);
        }
        pos++;
        Properties properties = new Properties();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return properties;
        }
        while (true) {
            String key = name();
            String value = scalar(key, where);
            if (value != null) {
                properties.setProperty(key, value);
            }
            if (endOfObject()) {
                return properties;
            }
        }
    }

    /** A member's name and the colon after it; leaves the position at its value. */
    private String name() throws IOException {
        skipSpace();
        if (peek() != '"') {
            throw error("expected a member name in double quotes");
        }
        String name = string();
        skipSpace();
        if (peek() != ':') {
            throw error("expected ':' after \"" + name + "\"");
        }
        pos++;
        skipSpace();
        return name;
    }

    /** After a member's value: true at '}' (consumed), false at ',' (consumed). */
    private boolean endOfObject() throws IOException {
        skipSpace();
        int c = peek();
        if (c == '}') {
            pos++;
            return true;
        }
        if (c == ',') {
            pos++;
            return false;
        }
        throw error("expected ',' or '}'");
    }

    /** A property value as text; null for JSON null. */
    private String scalar(String key, String where) throws IOException {
        int c = peek();
        if (c == '"') {
            return string();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        if (c == 't' || c == 'f') {
            return literal(c == 't' ? "true" : "false");
        }
        if (c == 'n') {
            literal("null");
            return null;
        }
        if (c == '{' || c == '[') {
            throw error("the value of \"" + key + "\" in " + where + " is "
                    + (c == '{' ? "an object" : "an array") + "; property values are strings");
        }
        throw error("expected a value for \"" + key + "\"");
    }

    private void skipValue(int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
        int c = peek();
        if (c == '"') {
            string();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            number();
        } else if (c == 't') {
            literal("true");
        } else if (c == 'f') {
            literal("false");
        } else if (c == 'n') {
            literal("null");
        } else if (c == '{') {
            pos++;
            skipSpace();
            if (peek() == '}') {
                pos++;
                return;
            }
            do {
                name();
                skipValue(depth + 1);
            } while (!endOfObject());
        } else if (c == '[') {
            pos++;
            skipSpace();
            if (peek() == ']') {
                pos++;
                return;
            }
            while (true) {
                skipSpace();
                skipValue(depth + 1);
                skipSpace();
                c = peek();
                if (c == ']') {
                    pos++;
                    return;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
                pos++;
            }
        } else {
            throw error("expected a JSON value");
        }
    }

    private String literal(String word) throws IOException {
        if (!text.startsWith(word, pos)) {
            throw error("expected a JSON value");
        }
        pos += word.length();
        return word;
    }

    /** A JSON number, returned as written. */
    private String number() throws IOException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (digits() == 0) {
            throw error("invalid number");
        }
        if (peek() == '.') {
            pos++;
            if (digits() == 0) {
                throw error("invalid number: digits expected after '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (digits() == 0) {
                throw error("invalid number: digits expected in the exponent");
            }
        }
        return text.substring(start, pos);
    }

    private int digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    /** A string at the position (its opening quote), unescaped. */
    private String string() throws IOException {
        int start = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                pos = start;
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character U+" + hex4(c) + " in a string (escape it)");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                continue; // reported as unterminated above
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"': out.append('"'); break;
                case '\\': out.append('\\'); break;
                case '/': out.append('/'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u': out.append(unicodeEscape()); break;
                default:
                    pos -= 2;
                    throw error("invalid escape \\" + e + " in a string");
            }
        }
    }

    /** The four hex digits after {@code \\u}, as one UTF-16 unit (pairs combine as they are appended). */
    private char unicodeEscape() throws IOException {
        if (pos + 4 > text.length()) {
            pos -= 2;
            throw error("invalid \\u escape: four hex digits expected");
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                pos -= 2;
                throw error("invalid \\u escape: four hex digits expected");
            }
            value = value * 16 + d;
        }
        pos += 4;
        return (char) value;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** The character at the position, or -1 at the end. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private IOException error(String what) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < pos && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        String end = pos >= text.length() ? ", the end of the text" : "";
        return new IOException("malformed application properties in " + source + ": " + what + " (line "
                + line + ", column " + column + ", character " + pos + end + ")");
    }

    private static String hex4(char c) {
        String h = Integer.toHexString(c).toUpperCase();
        return "0000".substring(h.length()) + h;
    }
}
