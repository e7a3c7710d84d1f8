package dev.fuseoverlay.runtime;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where the runtime keeps its state, one directory (default {@code $XDG_DATA_HOME/fuse-overlay-runtime},
 * that is {@code ~/.local/share/fuse-overlay-runtime}; {@code --root DIR} or
 * {@code $FUSE_OVERLAY_RUNTIME_ROOT} to choose another):
 * <pre>
 * layers/ID/          a layer's tree, files owned by the user's mapped IDs; ID = sha256 of the layer's tar
 * layers/ID.meta      its size, file count, source, creation time and parent layers (properties)
 * names/NAME          a layer name: the ID it stands for
 * containers/NAME/    config (properties), upper/, work/, merged/ (the mountpoint, used inside the
 *                     container's own mount namespace only), lock (held while it runs)
 * tmp/                imports in progress
 * </pre>
 */
public final class Store {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern ID_PREFIX = Pattern.compile("(sha256:)?[0-9a-f]{4,64}");

    public final Path root;

    public Store(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The state directory for {@code --root} (null: the environment or the XDG default). */
    public static Store locate(String rootOption) {
        String r = rootOption;
        if (r == null || r.isEmpty()) {
            r = System.getenv("FUSE_OVERLAY_RUNTIME_ROOT");
        }
        if (r == null || r.isEmpty()) {
            String xdg = System.getenv("XDG_DATA_HOME");
            if (xdg == null || xdg.isEmpty()) {
                String home = System.getenv("HOME");
                if (home == null || home.isEmpty()) {
                    home = System.getProperty("user.home");
                }
                xdg = home + "/.local/share";
            }
            r = xdg + "/fuse-overlay-runtime";
        }
        return new Store(Path.of(r));
    }

    public Path layers() {
        return root.resolve("layers");
    }

    public Path names() {
        return root.resolve("names");
    }

    public Path containers() {
        return root.resolve("containers");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }

    /**
     * An import in progress: its directory in tmp/ and the lock beside it (tmp/import-N.lock) that says it
     * runs. An import ended by a signal or a crash leaves both; the next import removes them
     * ({@link #sweepImports}). Closing releases the lock, and removes its file once the directory is gone
     * (stored or dropped); a directory still there keeps its lock file, so the next sweep finds it.
     */
    public record Import(Path dir, Path lockFile, FileChannel lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(lockFile);
                }
            } finally {
                lock.close();
            }
        }
    }

    /** The directory a tmp/import-N.lock file stands for. */
    private static Path importDir(Path lockFile) {
        String name = lockFile.getFileName().toString();
        return lockFile.resolveSibling(name.substring(0, name.length() - ".lock".length()));
    }

    /**
     * Starts an import: the lock first, then its directory, so a sweep never finds the directory of a lock
     * nobody holds yet.
     */
    public Import newImport() throws IOException {
        Path lockFile = Files.createTempFile(tmp(), "import-", ".lock");
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        try {
            ch.lock();
            Path d = importDir(lockFile);
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
            return new Import(d, lockFile, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(lockFile);
            throw e;
        }
    }

    /** Removes what imports that no longer run left in tmp/ (their directories and locks); returns how many. */
    public int sweepImports(dev.fuseoverlay.realfs.RealFs fs) {
        int n = 0;
        List<Path> locks = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp(), "import-*.lock")) {
            ds.forEach(locks::add);
        } catch (IOException e) {
            return 0;
        }
        for (Path lock : locks) {
            Path dir = importDir(lock);
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l == null) {
                    continue; // in progress
                }
                if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    fs.removeTree(dir.toString());
                    Files.deleteIfExists(lock);
                    n++;
                } // (a lock without its directory may be an import that has not locked it yet: left alone)
            } catch (IOException | RuntimeException e) {
                // held by this process (OverlappingFileLockException), or not removable now: left for later
            }
        }
        return n;
    }

    /** Creates the directories (private to the user). */
    public void init() {
        try {
            for (Path p : List.of(root, layers(), names(), containers(), tmp())) {
                if (!Files.isDirectory(p)) {
                    Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
            }
        } catch (IOException e) {
            throw new RuntimeException125("cannot create the state directory " + root + ": " + e.getMessage());
        }
    }

    public static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new RuntimeException125(what + " name '" + name + "' is not valid (letters, digits, '_', '.', '-'; at most 64)");
        }
    }

    // ---- layers ----------------------------------------------------------------------------------

    public Path layerDir(String id) {
        return layers().resolve(id);
    }

    /** A layer reference is a layer ID or {@code dir:ABSOLUTE-PATH} (a directory used as it is). */
    public String layerPath(String ref) {
        return ref.startsWith("dir:") ? ref.substring(4) : layerDir(ref).toString();
    }

    public boolean layerExists(String id) {
        return Files.isDirectory(layerDir(id)) && Files.isRegularFile(layers().resolve(id + ".meta"));
    }

    public Properties layerMeta(String id) {
        return readProps(layers().resolve(id + ".meta"));
    }

    public void writeLayerMeta(String id, Properties p) {
        writeProps(layers().resolve(id + ".meta"), p);
    }

    /** The ID a layer name stands for, or null. */
    public String nameToId(String name) {
        Path p = names().resolve(name);
        if (!NAME.matcher(name).matches() || !Files.isRegularFile(p)) {
            return null;
        }
        try {
            String id = Files.readString(p, StandardCharsets.US_ASCII).trim();
            return ID.matcher(id).matches() ? id : null;
        } catch (IOException e) {
            return null;
        }
    }

    public void setName(String name, String id) {
        checkName("layer", name);
        try {
            Path tmp = Files.createTempFile(names(), "." + name, ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, names().resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new RuntimeException125("cannot name layer " + name + ": " + e.getMessage());
        }
    }

    /** Layer names by ID. */
    public Map<String, List<String>> namesById() {
        Map<String, List<String>> m = new TreeMap<>();
        for (Path p : list(names())) {
            String n = p.getFileName().toString();
            String id = nameToId(n);
            if (id != null) {
                m.computeIfAbsent(id, k -> new ArrayList<>()).add(n);
            }
        }
        m.values().forEach(l -> l.sort(null));
        return m;
    }

    /** Every stored layer ID. */
    public List<String> layerIds() {
        List<String> ids = new ArrayList<>();
        for (Path p : list(layers())) {
            String n = p.getFileName().toString();
            if (ID.matcher(n).matches() && layerExists(n)) {
                ids.add(n);
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The layers a stored layer stands on (bottom first), then itself. */
    public List<String> chain(String id) {
        Properties m = layerMeta(id);
        List<String> out = new ArrayList<>();
        for (int i = 0; m.containsKey("parent." + i); i++) {
            out.add(m.getProperty("parent." + i));
        }
        out.add(id);
        return out;
    }

    /**
     * Resolves {@code --layer} arguments (bottom first) to layer references, bottom first, each stored layer
     * preceded by the layers it was committed on, each layer once.
     */
    public List<String> resolveLayers(List<String> args) {
        LinkedHashSet<String> refs = new LinkedHashSet<>();
        for (String a : args) {
            for (String r : resolveLayer(a)) {
                refs.add(r);
            }
        }
        for (String r : refs) {
            if (!r.startsWith("dir:") && !layerExists(r)) {
                throw new RuntimeException125("layer " + r.substring(0, 12) + " is missing from " + layers());
            }
        }
        return new ArrayList<>(refs);
    }

    List<String> resolveLayer(String arg) {
        if (arg.contains("/")) {
            Path p = Path.of(arg).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new RuntimeException125("--layer " + arg + ": not a directory");
            }
            try {
                return List.of("dir:" + p.toRealPath());
            } catch (IOException e) {
                throw new RuntimeException125("--layer " + arg + ": " + e.getMessage());
            }
        }
        String id = nameToId(arg);
        if (id == null && ID_PREFIX.matcher(arg).matches()) {
            String hex = arg.startsWith("sha256:") ? arg.substring(7) : arg;
            List<String> hits = layerIds().stream().filter(i -> i.startsWith(hex)).toList();
            if (hits.size() > 1) {
                throw new RuntimeException125("layer ID prefix " + arg + " is ambiguous (" + hits.size() + " layers)");
            }
            id = hits.isEmpty() ? null : hits.get(0);
        }
        if (id == null) {
            throw new RuntimeException125("no layer named '" + arg + "' (see: runtime layers; a directory needs a '/' in its name, like ./"
                    + arg + ")");
        }
        return chain(id);
    }

    /** A short form of a layer reference for listings: its first name, else its short ID, else the directory. */
    public String show(String ref, Map<String, List<String>> names) {
        if (ref.startsWith("dir:")) {
            return ref.substring(4);
        }
        List<String> n = names.get(ref);
        return n != null ? n.get(0) : ref.substring(0, 12);
    }

    /** What still uses a layer (a name, a container, a layer on top of it), or null if nothing does. */
    public String layerUser(String id) {
        return layerUser(id, List.of());
    }

    /** As {@link #layerUser(String)}, not counting the layers in {@code going} (deleted together). */
    public String layerUser(String id, java.util.Collection<String> going) {
        List<String> names = namesById().get(id);
        if (names != null) {
            return "layer name " + names.get(0);
        }
        for (String c : containerNames()) {
            if (layersOf(containerConfig(c)).contains(id)) {
                return "container " + c;
            }
        }
        for (String other : layerIds()) {
            if (!other.equals(id) && !going.contains(other) && chain(other).contains(id)) {
                return "layer " + other.substring(0, 12);
            }
        }
        return null;
    }

    // ---- containers ------------------------------------------------------------------------------

    public Path container(String name) {
        return containers().resolve(name);
    }

    public boolean containerExists(String name) {
        return Files.isRegularFile(container(name).resolve("config"));
    }

    public Properties containerConfig(String name) {
        return readProps(container(name).resolve("config"));
    }

    public void writeContainerConfig(String name, Properties p) {
        writeProps(container(name).resolve("config"), p);
    }

    public List<String> containerNames() {
        List<String> out = new ArrayList<>();
        for (Path p : list(containers())) {
            String n = p.getFileName().toString();
            if (containerExists(n)) {
                out.add(n);
            }
        }
        out.sort(null);
        return out;
    }

    static List<String> layersOf(Properties config) {
        List<String> l = new ArrayList<>();
        for (int i = 0; config.containsKey("layer." + i); i++) {
            l.add(config.getProperty("layer." + i));
        }
        return l;
    }

    /**
     * Takes the container's lock (held until this process exits), or returns null if another process
     * holds it: the container is running.
     */
    public FileLock lock(String name) {
        try {
            FileChannel ch = FileChannel.open(container(name).resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
            }
            return l;
        } catch (OverlappingFileLockException e) {
            return null;
        } catch (IOException e) {
            throw new RuntimeException125("cannot lock container " + name + ": " + e.getMessage());
        }
    }

    public boolean running(String name) {
        FileLock l = lock(name);
        if (l == null) {
            return true;
        }
        try {
            l.release();
            l.channel().close();
        } catch (IOException e) {
            // released at exit anyway
        }
        return false;
    }

    // ---- helpers ---------------------------------------------------------------------------------

    static Properties readProps(Path p) {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p, StandardCharsets.ISO_8859_1)) {
            props.load(r);
        } catch (IOException e) {
            // missing or unreadable: empty
        }
        return props;
    }

    static void writeProps(Path p, Properties props) {
        try {
            Path tmp = Files.createTempFile(p.getParent(), "." + p.getFileName(), ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.ISO_8859_1)) {
                props.store(w, null);
            }
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new RuntimeException125("cannot write " + p + ": " + e.getMessage());
        }
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            // nothing listed
        }
        return out;
    }
}
