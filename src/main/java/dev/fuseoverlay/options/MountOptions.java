package dev.fuseoverlay.options;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a mount was asked for, parsed from fuse-overlayfs-style {@code -o} strings. Parsing checks
 * syntax only; {@link LayerCheck} checks the directories. Paths keep the caller's bytes.
 *
 * <p>Grammar: options separated by {@code ,} ({@code \,} is a literal comma, empty elements are ignored);
 * {@code lowerdir=} layers separated by {@code :} ({@code \:} is a literal colon), leftmost on top.
 */
public final class MountOptions {
    /** Lower layers, top first. */
    public final List<String> lowerDirs = new ArrayList<>();
    public String upperDir;
    public String workDir;
    public boolean fsync = true;
    public boolean volatileMount;
    /** Seconds the kernel may cache names and negative lookups. */
    public double timeout = 1.0;
    /**
     * Seconds the kernel may cache attributes. 0 by default: libfuse 2's path API gives each name of a
     * hard-linked file its own kernel inode, so cached attributes of one name go stale when another changes.
     */
    public double attrTimeout = 0.0;
    /** Whether timeout= / attr_timeout= were given (engine=devfuse has its own defaults otherwise). */
    public boolean timeoutGiven, attrTimeoutGiven;
    /**
     * The FUSE engine: "devfuse" (the kernel protocol directly), "libfuse" (jnr-fuse, libfuse 2) or "auto"
     * (devfuse where mount(2) is allowed, else libfuse); null: not given.
     */
    public String engine;
    /**
     * engine=devfuse: whether reads and writes of upper-layer files may go straight from the kernel to the
     * upper file (FUSE passthrough, where the kernel and privileges allow it).
     */
    public boolean passthrough = true;
    /** engine=devfuse: requests through FUSE over io_uring (one queue per CPU) where the kernel offers it. */
    public boolean uring;
    /**
     * uring=rt: as on, with the queue threads at real-time priority (SCHED_FIFO 1), so that a request is
     * answered as soon as its caller waits, whatever else is runnable on that CPU (needs CAP_SYS_NICE).
     */
    public boolean uringRt;
    /** Threads reading /dev/fuse (engine=devfuse). */
    public int threads = 4;
    /**
     * How many of those read at once (engine=devfuse): {@code load}, one while a single client talks to the
     * mount and all once requests queue up or wait for the disk; {@code all}, every thread always (as
     * libfuse's workers).
     */
    public String readers = "load";
    public boolean debug;
    public boolean readOnly;
    public boolean allowOther;
    public boolean allowRoot;
    public boolean defaultPermissions = true;
    public boolean noDev, noSuid, noExec;
    /** Remove the mount if the server dies (kill -9), instead of leaving a dead mountpoint. */
    public boolean autoUnmount = true;
    public String fsname;
    public String trace;
    /** Kernel options, with the kernel's meaning (index=on: see Overlay.setIndex). */
    public String redirectDir = "off", xino = "off";
    public boolean index, metacopy, userXattr;
    /** Whether redirect_dir= was given (the kernel resolves metacopy's and userxattr's rules differently then). */
    private boolean redirectDirSet;
    public IdMapping uidMapping, gidMapping;
    /** fuse-overlayfs's squash options: every object shows this owner (-1: not set). */
    public boolean squashToRoot;
    public int squashToUid = -1, squashToGid = -1;
    /**
     * fuse-overlayfs's options, with its meaning and syntax: {@code noxattrs=N} (N != 0: no xattrs through
     * the mount), {@code static_nlink} (directories report nlink 1), {@code noacl} (no POSIX ACL support in
     * the kernel), {@code xattr_permissions=0|1|2} (owners and modes kept in an override xattr).
     */
    public boolean noXattrs, staticNlink, noAcl;
    public int xattrPermissions;
    /** The options given that only the devfuse engine has (threads=, readers=, passthrough=, uring=), as given. */
    public final List<String> devfuseOnly = new ArrayList<>();

    /** Unknown or ignored options, reported as warnings like fuse-overlayfs does. */
    public final List<String> warnings = new ArrayList<>();

    /** Parses every {@code -o} value in order; later options override earlier ones. */
    public static MountOptions parse(List<String> optionStrings) {
        MountOptions o = new MountOptions();
        for (String s : optionStrings) {
            for (String opt : split(s, ',')) {
                if (!opt.isEmpty()) {
                    o.apply(opt);
                }
            }
        }
        if (o.volatileMount) {
            o.fsync = false; // volatile wins over any fsync=, as in fuse-overlayfs and the kernel
        }
        return o;
    }

    private void apply(String opt) {
        int eq = opt.indexOf('=');
        String key = eq < 0 ? opt : opt.substring(0, eq);
        String raw = eq < 0 ? null : opt.substring(eq + 1);
        String value = raw == null ? null : unescape(raw);
        switch (key) {
            case "lowerdir":
                lowerDirs.clear();
                for (String l : split(need(key, raw), ':')) {
                    if (l.isEmpty()) {
                        throw new OptionsException("lowerdir=" + value + ": empty layer path");
                    }
                    lowerDirs.add(unescape(l));
                }
                break;
            case "upperdir": upperDir = need(key, value); break;
            case "workdir": workDir = need(key, value); break;
            case "fsync": fsync = integer(key, value) != 0; break; // fuse-overlayfs: fsync=%d
            case "volatile": volatileMount = true; fsync = false; break;
            case "timeout":
            case "entry_timeout":
                timeout = seconds(key, value);
                timeoutGiven = true;
                break;
            case "attr_timeout":
                attrTimeout = seconds(key, value);
                attrTimeoutGiven = true;
                break;
            case "engine": engine = oneOf(key, value, "auto", "devfuse", "libfuse"); break;
            case "threads":
                devfuseOnly.add(opt);
                threads = need(key, value).matches("[0-9]{1,2}") ? Integer.parseInt(value) : 0;
                if (threads < 1 || threads > 64) {
                    throw new OptionsException("threads=" + value + ": expected a number of threads from 1 to 64");
                }
                break;
            case "readers": readers = oneOf(key, value, "load", "all"); devfuseOnly.add(opt); break;
            case "debug": debug = value == null || integer(key, value) != 0; break; // debug=0 is off, as fsync=0
            case "trace": trace = value == null ? "-" : value; break;
            case "ro": readOnly = true; break;
            case "rw": readOnly = false; break;
            case "dev": noDev = false; break;
            case "nodev": noDev = true; break;
            case "suid": noSuid = false; break;
            case "nosuid": noSuid = true; break;
            case "exec": noExec = false; break;
            case "noexec": noExec = true; break;
            case "allow_other": allowOther = true; break;
            case "allow_root": allowRoot = true; break;
            case "default_permissions": defaultPermissions = true; break;
            case "fsname": fsname = need(key, value); break;
            case "userxattr": userXattr = true; break;
            case "redirect_dir": redirectDir = oneOf(key, value, "on", "follow", "nofollow", "off"); redirectDirSet = true; break;
            case "xino": xino = oneOf(key, value, "on", "auto", "off"); break;
            case "index": index = onOff(key, value); break;
            case "passthrough": passthrough = onOff(key, value); devfuseOnly.add(opt); break;
            case "uring": {
                String v = oneOf(key, value, "on", "off", "rt");
                uring = !v.equals("off");
                uringRt = v.equals("rt");
                devfuseOnly.add(opt);
                break;
            }
            case "metacopy": metacopy = onOff(key, value); break;
            case "noxattrs":
                if (value == null) {
                    warnings.add("unknown argument ignored: " + opt); // fuse-overlayfs knows only noxattrs=N
                } else {
                    noXattrs = integer(key, value) != 0;
                }
                break;
            case "static_nlink":
            case "noacl":
                if (value != null) {
                    warnings.add("unknown argument ignored: " + opt); // fuse-overlayfs takes them bare only
                } else if (key.equals("noacl")) {
                    noAcl = true;
                } else {
                    staticNlink = true;
                }
                break;
            case "xattr_permissions":
                xattrPermissions = integer(key, value);
                if (xattrPermissions < 0 || xattrPermissions > 2) {
                    throw new OptionsException(opt + ": expected 0, 1 or 2");
                }
                break;
            case "uidmapping": uidMapping = IdMapping.parse(key, need(key, value)); break;
            case "gidmapping": gidMapping = IdMapping.parse(key, need(key, value)); break;
            case "squash_to_root": squashToRoot = true; break;
            case "squash_to_uid": squashToUid = id(key, value); break;
            case "squash_to_gid": squashToGid = id(key, value); break;
            // accepted from mount(8), fstab and libfuse; nothing to do for them
            case "auto": case "noauto": case "user": case "nouser": case "users": case "defaults":
            case "relatime": case "noatime": case "strictatime": case "atime": case "nodiratime": case "async": case "sync":
                break;
            case "auto_unmount": autoUnmount = true; break;
            case "noauto_unmount": autoUnmount = false; break;
            case "_netdev": case "nofail": case "subtype": case "max_read": case "big_writes":
                break;
            default:
                if (key.startsWith("x-") || key.startsWith("context") || key.equals("fscontext") || key.equals("rootcontext")) {
                    break;
                }
                warnings.add("unknown argument ignored: " + opt);
        }
    }

    private static int id(String key, String value) {
        try {
            long v = Long.parseLong(need(key, value));
            if (v < 0 || v > 0xfffffffeL) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new OptionsException(key + "=" + value + ": not a user or group id");
        }
    }

    /** A decimal integer as fuse-overlayfs's "%d" options take it. */
    private static int integer(String key, String value) {
        try {
            return Integer.parseInt(need(key, value).trim());
        } catch (NumberFormatException e) {
            throw new OptionsException(key + "=" + value + ": not an integer");
        }
    }

    private static double seconds(String key, String value) {
        double d;
        try {
            d = Double.parseDouble(need(key, value));
        } catch (NumberFormatException e) {
            throw new OptionsException(key + "=" + value + ": not a number of seconds");
        }
        if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
            throw new OptionsException(key + "=" + value + ": must be a non-negative number of seconds");
        }
        return d;
    }

    private static String need(String key, String value) {
        if (value == null || value.isEmpty()) {
            throw new OptionsException("option " + key + " needs a value (" + key + "=...)");
        }
        return value;
    }

    private static String oneOf(String key, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return a;
            }
        }
        throw new OptionsException(key + "=" + value + ": expected one of " + String.join(", ", allowed));
    }

    private static boolean onOff(String key, String value) {
        return oneOf(key, value, "on", "off").equals("on");
    }

    /**
     * Splits on an unescaped separator. {@code \SEP} is a literal separator; any other backslash stays for
     * the next level ({@code \:} survives the comma split to be read by the lowerdir split).
     */
    /**
     * Splits at each {@code sep} that no backslash escapes, keeping the escapes for {@link #unescape}, as the
     * kernel splits its options at commas and lowerdir= at colons.
     */
    static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == sep) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /** The kernel's ovl_unescape: a backslash stands for the character after it (a comma, a colon, a backslash). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c == '\\' && i + 1 < s.length() ? s.charAt(++i) : c);
        }
        return b.toString();
    }

    /**
     * Rejects option combinations this version cannot honour, each with one line saying so, instead of
     * silently mounting with other semantics.
     */
    public void checkSupported() {
        if (lowerDirs.isEmpty()) {
            throw new OptionsException("no lowerdir= given (usage: -o lowerdir=LOWER[:LOWER...],upperdir=UPPER,workdir=WORK MOUNTPOINT)");
        }
        if ((upperDir == null) != (workDir == null)) {
            throw new OptionsException(upperDir == null ? "workdir= given without upperdir=" : "upperdir= given without workdir=");
        }
        if (userXattr) {
            // the kernel (fs/overlayfs/params.c): redirects are not followed with userxattr unless asked for,
            // and asking for them is a conflict
            if (redirectDirSet && !redirectDir.equals("nofollow")) {
                throw new OptionsException("conflicting options: userxattr,redirect_dir=" + redirectDir);
            }
            redirectDir = "nofollow";
        }
        resolveMetacopy();
    }

    /**
     * The kernel's rules (fs/overlayfs/params.c): metacopy=on needs redirect_dir=on, which it turns on unless
     * redirect_dir was given otherwise (then the mount is refused, with the kernel's words: "off" is the
     * kernel's "follow"); userxattr and metacopy=on conflict.
     */
    private void resolveMetacopy() {
        if (!metacopy) {
            return;
        }
        if (userXattr) {
            throw new OptionsException("conflicting options: userxattr,metacopy=on");
        }
        if (!redirectDir.equals("on")) {
            if (redirectDirSet) {
                throw new OptionsException("conflicting options: metacopy=on,redirect_dir="
                        + (redirectDir.equals("off") ? "follow" : redirectDir));
            }
            redirectDir = "on";
        }

    }

    /** A read-only overlay: no upper layer, or {@code ro}. */
    public boolean isReadOnly() {
        return readOnly || upperDir == null;
    }
}
