package dev.fuseoverlay.lookup;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.RealFs.FileHandle;
import dev.fuseoverlay.whiteout.OriginHandle;
import java.util.List;

/**
 * Names real objects the way the kernel's origin xattrs do ({@link OriginHandle}: the filesystem's
 * s_uuid and the object's file handle). The uuid of each layer's filesystem is read once.
 */
public final class Origins {
    private final RealFs fs;
    /** s_uuid of each layer's filesystem, by layer index. */
    private final byte[][] uuids;

    public Origins(RealFs fs, LayerStack layers) {
        this.fs = fs;
        List<Layer> all = layers.all();
        uuids = new byte[all.size()][];
        for (Layer l : all) {
            uuids[l.index()] = fs.fsUuid(l.root());
        }
    }

    /** The handle naming a real object of a layer, or null when its filesystem cannot encode one. */
    public OriginHandle handleOf(String real, Layer layer) {
        FileHandle h = fs.fileHandle(real);
        return h == null ? null : OriginHandle.of(uuids[layer.index()], h, layer.upper());
    }

    byte[] uuid(Layer layer) {
        return uuids[layer.index()];
    }
}
