package dev.fuseoverlay.layer;

/**
 * One real directory tree in the stack.
 *
 * @param index   position in the stack, 0 on top (the upper layer when there is one)
 * @param root    the layer's canonical absolute path
 * @param upper   whether this is the writable upper layer
 * @param dev     st_dev of the layer root
 * @param fsIndex 0 for the filesystem of the top layer, then 1, 2, ... for each further distinct filesystem
 * @param label   "upper" or "lower N" (N counts lowers from 0, top first), for messages and study tools
 */
public record Layer(int index, String root, boolean upper, long dev, int fsIndex, String label) {
    /** The real path of a merged path ("/" or "/a/b") in this layer. */
    public String real(String path) {
        return path.equals("/") ? root : root + path;
    }
}
