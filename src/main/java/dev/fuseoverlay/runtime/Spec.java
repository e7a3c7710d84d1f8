package dev.fuseoverlay.runtime;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

/** What the outside tells the inside: properties passed as one base64 argument (no quoting problems). */
public final class Spec {
    private Spec() {}

    public static String encode(Properties p) {
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getEncoder().encodeToString(w.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    public static Properties decode(String s) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(Base64.getDecoder().decode(s), StandardCharsets.ISO_8859_1)));
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
