package dev.fuseoverlay.ops;

import dev.fuseoverlay.options.IdMapping;
import dev.fuseoverlay.options.MountOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Owner translation between the layers and the merged view (fuse-overlayfs's {@code uidmapping=},
 * {@code gidmapping=}, {@code squash_to_root}, {@code squash_to_uid=}, {@code squash_to_gid=}). The overlay
 * holds none when no such option is given, so ordinary mounts pay one null check.
 */
public final class Owners {
    private final IdMapping uids, gids;
    /** -1 when not squashed. */
    private final int squashUid, squashGid;
    private final int overflowUid = readOverflow("overflowuid"), overflowGid = readOverflow("overflowgid");

    private Owners(IdMapping uids, IdMapping gids, int squashUid, int squashGid) {
        this.uids = uids;
        this.gids = gids;
        this.squashUid = squashUid;
        this.squashGid = squashGid;
    }

    /** The translation a mount asked for, or null for none. */
    public static Owners of(MountOptions o) {
        int su = o.squashToUid >= 0 ? o.squashToUid : o.squashToRoot ? 0 : -1;
        int sg = o.squashToGid >= 0 ? o.squashToGid : o.squashToRoot ? 0 : -1;
        if (o.uidMapping == null && o.gidMapping == null && su < 0 && sg < 0) {
            return null;
        }
        return new Owners(o.uidMapping, o.gidMapping, su, sg);
    }

    /** Every object shows one owner: changing owners is accepted and changes nothing, as in fuse-overlayfs. */
    public boolean squashed() {
        return squashUid >= 0 || squashGid >= 0;
    }

    public int shownUid(int stored) {
        return squashUid >= 0 ? squashUid : uids == null ? stored : uids.shown(stored, overflowUid);
    }

    public int shownGid(int stored) {
        return squashGid >= 0 ? squashGid : gids == null ? stored : gids.shown(stored, overflowGid);
    }

    /** The uid to store for one the mount received; -1 ("unchanged" in chown) stays -1. */
    public int storedUid(int shown) {
        return shown == -1 || uids == null ? shown : uids.stored(shown, overflowUid);
    }

    public int storedGid(int shown) {
        return shown == -1 || gids == null ? shown : gids.stored(shown, overflowGid);
    }

    private static int readOverflow(String name) {
        try {
            return Integer.parseInt(String.join("", Files.readAllLines(Path.of("/proc/sys/kernel/" + name))).trim());
        } catch (IOException | RuntimeException e) {
            return 65534;
        }
    }
}
