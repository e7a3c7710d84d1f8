package dev.fuseoverlay.runtime;

import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.RealFs;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operations that run inside the user namespace, where the container's IDs are real: run a container,
 * unpack a layer, commit an upper, delete trees owned by subordinate IDs.
 */
final class Inside {
    private Inside() {}

    static int main(String op, Properties spec) throws Exception {
        return switch (op) {
            case "run" -> new ContainerRun(spec).run();
            case "import" -> importLayer(spec, openSource(spec), Boolean.parseBoolean(spec.getProperty("hostIds")));
            case "commit" -> commit(spec);
            case "rm" -> remove(spec);
            default -> throw new RuntimeException125("unknown inside operation " + op);
        };
    }

    private static InputStream openSource(Properties spec) throws IOException {
        String src = spec.getProperty("source");
        return src == null ? System.in : Files.newInputStream(Path.of(src));
    }

    private static int remove(Properties spec) {
        RealFs fs = new RealFs(null);
        int rc = 0;
        for (String dir : Spec.getList(spec, "path")) {
            try {
                fs.removeTree(dir);
            } catch (ErrnoException e) {
                System.err.println("runtime: rm: " + e.getMessage());
                rc = 1;
            }
        }
        return rc;
    }

    private static int commit(Properties spec) throws Exception {
        RealFs fs = new RealFs(null);
        String upper = spec.getProperty("upper");
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                TreeExport.write(fs, upper, new TarWriter(out));
            } catch (Exception e) {
                failed.set(e); // before the close below: the reader that sees the archive end early finds the cause
            } finally {
                try {
                    out.close();
                } catch (IOException e) {
                    failed.compareAndSet(null, e);
                }
            }
        }, "commit-writer");
        writer.start();
        int rc;
        try {
            rc = importLayer(spec, in, false); // the archive cut short by a failed export is refused, nothing stored
        } catch (RuntimeException125 e) {
            // the archive ended early (cut short, or in a header or a member): the writer's failure is the
            // cause; else the import's own (the writer then only saw the pipe close)
            if (failed.get() != null && e.getCause() instanceof EOFException) {
                throw new RuntimeException125("commit: " + failed.get().getMessage());
            }
            throw e;
        }
        writer.join();
        if (failed.get() != null) {
            throw new RuntimeException125("commit: " + failed.get().getMessage());
        }
        return rc;
    }

    /**
     * Unpacks a layer tar into tmp/, names it by the sha256 of the uncompressed archive, and moves it into
     * layers/ unless a layer with that ID is already there (then the copy is dropped: stored once).
     */
    static int importLayer(Properties spec, InputStream raw, boolean hostIds) throws Exception {
        Store store = new Store(Path.of(spec.getProperty("store")));
        RealFs fs = new RealFs(null);
        store.sweepImports(fs); // what an import ended by a signal left (inside: its files may be a subordinate's)
        try (Store.Import in = store.newImport()) {
            return importLayer(spec, raw, hostIds, store, fs, in.dir());
        }
    }

    private static int importLayer(Properties spec, InputStream raw, boolean hostIds, Store store, RealFs fs, Path tmp)
            throws Exception {
        String tmpDir = tmp.toString();
        MessageDigest sha = sha256();
        Extractor x = new Extractor(fs, tmpDir, IdMap.current(hostIds));
        try (InputStream in = raw) {
            TarReader r = new TarReader(new DigestInputStream(TarReader.decompress(in), sha));
            if (spec.getProperty("source") == null) {
                r.requireEnd(); // a directory, exported by the outside: an early end means the export failed
            }
            x.extractAll(r);
            r.drain();
        } catch (IOException | ErrnoException e) {
            fs.removeTree(tmpDir);
            throw new RuntimeException125(spec.getProperty("label", "import") + ": " + e.getMessage(), e);
        }
        String id = HexFormat.of().formatHex(sha.digest());
        boolean existed = store.layerExists(id);
        if (existed) {
            fs.removeTree(tmpDir);
        } else {
            try {
                fs.rename(tmpDir, store.layerDir(id).toString());
            } catch (ErrnoException e) {
                fs.removeTree(tmpDir);
                if (!Files.isDirectory(store.layerDir(id))) {
                    throw new RuntimeException125("cannot store layer " + id + ": " + e.getMessage());
                }
            }
            Properties meta = new Properties();
            meta.setProperty("created", Instant.now().toString());
            meta.setProperty("size", Long.toString(x.bytes));
            meta.setProperty("files", Long.toString(x.files));
            meta.setProperty("dirs", Long.toString(x.dirs));
            meta.setProperty("whiteouts", Long.toString(x.whiteouts + x.opaques));
            meta.setProperty("source", spec.getProperty("label", ""));
            Spec.putList(meta, "parent", Spec.getList(spec, "parent"));
            store.writeLayerMeta(id, meta);
        }
        String name = spec.getProperty("name");
        if (name != null) {
            store.setName(name, id);
        }
        for (String w : x.warnings()) {
            System.err.println("runtime: warning: " + w);
        }
        if (x.skippedDevices > 0) {
            System.err.println("runtime: note: " + x.skippedDevices + " device nodes skipped (a container gets a fresh /dev)");
        }
        if (x.idFallbacks > 0) {
            System.err.println("runtime: warning: " + x.idFallbacks + " members had owners beyond ID " + IdMap.current(false).maxUid()
                    + " (the subordinate range is too small): given to root");
        }
        System.out.println((name != null ? name + " " : "") + "sha256:" + id + (existed ? " (already stored)" : "")
                + "  " + x.files + " files, " + x.dirs + " directories, " + (x.whiteouts + x.opaques) + " whiteouts, "
                + Format.size(x.bytes));
        return 0;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> lines(String s) {
        return List.of(s.split("\n"));
    }
}
