package dev.fuseoverlay.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

/** What the outside tells the inside: properties passed as one base64 argument (no quoting problems). */
public final class Spec {
    private Spec() {}

    /** The stream form of {@link Properties#store} escapes every char beyond ISO-8859-1 (a writer would not). */
    public static String encode(Properties p) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            p.store(b, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getEncoder().encodeToString(b.toByteArray());
    }

    public static Properties decode(String s) {
        Properties p = new Properties();
        try {
            p.load(new ByteArrayInputStream(Base64.getDecoder().decode(s)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    public static void putList(Properties p, String key, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            p.setProperty(key + "." + i, values.get(i));
        }
    }

    public static List<String> getList(Properties p, String key) {
        List<String> out = new ArrayList<>();
        for (int i = 0; p.containsKey(key + "." + i); i++) {
            out.add(p.getProperty(key + "." + i));
        }
        return out;
    }
}
