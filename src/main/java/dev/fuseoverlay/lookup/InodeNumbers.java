package dev.fuseoverlay.lookup;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import java.util.ArrayList;
import java.util.List;

/**
 * How a real inode number of a layer becomes the st_ino of the merged view, per the {@code xino=} option
 * (the kernel's {@code ovl_map_ino} / {@code ovl_map_dev_ino}, Documentation/filesystems/overlayfs.rst,
 * "Inode properties"):
 *
 * <ul>
 *   <li>All layers on one filesystem (any mode): the real number, as the kernel does.</li>
 *   <li>{@code xino=on|auto}, layers on several filesystems: the kernel's layout. Each filesystem gets an
 *       fsid: 0 for the upper layer's (reserved even without an upper layer), then 1, 2, ... for each further
 *       filesystem of the lower layers in order. With {@code xinobits = ilog2(numfs - 1) + 2} and
 *       {@code shift = 64 - xinobits}, a number that fits below {@code shift} becomes
 *       {@code ino | fsid << (shift + 1)}; one that does not (overflow) falls back to the {@code off} rule.</li>
 *   <li>{@code xino=off}, layers on several filesystems: the kernel keeps the real number and tells objects
 *       apart by a per-filesystem st_dev. A FUSE mount has one st_dev, so the number itself must differ: the
 *       top layer's filesystem keeps real numbers, each further one gets its index in bits 48 and up.</li>
 * </ul>
 *
 * Whatever the mode, a number is a function of (filesystem, real inode), so it survives a remount with the
 * same layers and options; a copied-up object keeps the number recorded at copy-up.
 */
public final class InodeNumbers {
    private final boolean sameFs;
    private final boolean xino;
    /** Per layer index: the kernel's fsid (xino) of its filesystem. */
    private final int[] fsid;
    private final int shift;

    private InodeNumbers(boolean sameFs, boolean xino, int[] fsid, int shift) {
        this.sameFs = sameFs;
        this.xino = xino;
        this.fsid = fsid;
        this.shift = shift;
    }

    /** The mapping for a stack and an {@code xino=} value ("off", "auto" or "on"). */
    public static InodeNumbers of(LayerStack layers, String mode) {
        List<Layer> all = layers.all();
        int[] fsid = new int[all.size()];
        List<Long> devs = new ArrayList<>();
        devs.add(layers.upper() != null ? layers.upper().dev() : null); // fsid 0: the upper filesystem's, even if absent
        for (int i = 0; i < all.size(); i++) {
            Long dev = all.get(i).dev();
            int id = devs.indexOf(dev);
            if (id < 0) {
                devs.add(dev);
                id = devs.size() - 1;
            }
            fsid[all.get(i).index()] = id;
        }
        int numfs = devs.size();
        // the kernel's "ofs->numfs - !upper == 1"
        boolean sameFs = numfs - (layers.upper() == null ? 1 : 0) == 1;
        int xinobits = 31 - Integer.numberOfLeadingZeros(Math.max(1, numfs - 1)) + 2;
        return new InodeNumbers(sameFs, !mode.equals("off"), fsid, 64 - xinobits);
    }

    /** The st_ino the merged view reports for a real inode number of a layer. */
    public long map(Layer layer, long realIno) {
        if (sameFs) {
            return realIno;
        }
        if (xino && (realIno >>> shift) == 0) {
            return realIno | ((long) fsid[layer.index()] << (shift + 1));
        }
        return layer.fsIndex() == 0 ? realIno : ((long) layer.fsIndex() << 48) ^ realIno;
    }

    /** The number of high bits xino uses (0: not in use, the layers share one filesystem or xino=off). */
    public int xinoBits() {
        return sameFs || !xino ? 0 : 64 - shift;
    }
}
