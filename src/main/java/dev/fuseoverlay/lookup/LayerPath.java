package dev.fuseoverlay.lookup;

import dev.fuseoverlay.layer.Layer;

/** One real object of a merged entry: the layer and its real path there. */
public record LayerPath(Layer layer, String real) {}
