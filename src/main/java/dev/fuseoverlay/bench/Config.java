package dev.fuseoverlay.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The sizes of the layers and workloads; {@link #quick()} for a short run, {@link #full()} by default. */
public final class Config {
    /** Small files in the /usr-like lower layer. */
    public int files;
    /** Large files in the big layer and the size of each, MiB. */
    public int bigFiles;
    public int bigMiB;
    /** Copy-up probes: how many 4 KiB files, how many 1 MiB files, and the size of the large one (MiB). */
    public int copyupSmall;
    public int copyupMedium;
    public int copyupLargeMiB;
    /** The C project: source files and headers. */
    public int cFiles;
    public int headers;
    /** The small-file storms: files without and with fsync. */
    public int stormFiles;
    public int stormFsyncFiles;
    /** Sequential write size, MiB; random-read volume, MiB. */
    public int writeMiB;
    public int randMiB;
    public long seed = 1;

    public static Config full() {
        Config c = new Config();
        c.files = 30000;
        c.bigFiles = 4;
        c.bigMiB = 256;
        c.copyupSmall = 1000;
        c.copyupMedium = 50;
        c.copyupLargeMiB = 100;
        c.cFiles = 48;
        c.headers = 240;
        c.stormFiles = 10000;
        c.stormFsyncFiles = 500;
        c.writeMiB = 512;
        c.randMiB = 32;
        return c;
    }

    public static Config quick() {
        Config c = new Config();
        c.files = 4000;
        c.bigFiles = 2;
        c.bigMiB = 32;
        c.copyupSmall = 200;
        c.copyupMedium = 10;
        c.copyupLargeMiB = 16;
        c.cFiles = 12;
        c.headers = 60;
        c.stormFiles = 2000;
        c.stormFsyncFiles = 100;
        c.writeMiB = 64;
        c.randMiB = 16;
        return c;
    }

    /** Everything that shapes the layers, as a map (for the results file and the layer cache key). */
    public Map<String, Object> layerShape() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", files);
        m.put("bigFiles", bigFiles);
        m.put("bigMiB", bigMiB);
        m.put("copyupSmall", copyupSmall);
        m.put("copyupMedium", copyupMedium);
        m.put("copyupLargeMiB", copyupLargeMiB);
        m.put("cFiles", cFiles);
        m.put("headers", headers);
        m.put("writeMiB", writeMiB);
        m.put("seed", seed);
        m.put("generator", LayerBuilder.GENERATOR_VERSION);
        return m;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = layerShape();
        m.put("stormFiles", stormFiles);
        m.put("stormFsyncFiles", stormFsyncFiles);
        m.put("randMiB", randMiB);
        return m;
    }

    /** A short stable name for the layer set, so layers are built once per shape and reused. */
    public String layerKey() {
        return String.format("layers-%08x", layerShape().toString().hashCode());
    }
}
