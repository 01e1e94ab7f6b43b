"""Headless PyQGIS probe, run by the tests with the SYSTEM python3 (not the venv).

usage: python3 qgis_probe.py COMMAND ARGS... ; prints one JSON document.

  layers URI...            renderer of each layer as QGIS loads it by default
  layers-nostyle URI...    same with loadDefaultStyle=False (control)
  project PATH PNG         layers of a project in legend order + a PNG render
  gpkg-project GPKG NAME PNG   same for a project stored inside a GeoPackage
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject,  # noqa: E402
                       QgsRasterLayer, QgsRectangle, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def symbol_info(sym):
    if sym is None:
        return None
    out = {"type": sym.type(), "colour": sym.color().name(),
           "layers": [sl.layerType() for sl in sym.symbolLayers()]}
    try:
        out["width"] = round(sym.width(), 3)
    except AttributeError:
        pass
    try:
        out["size"] = round(sym.size(), 3)
    except AttributeError:
        pass
    return out


def labels_info(layer):
    if not layer.labelsEnabled() or layer.labeling() is None:
        return None
    return layer.labeling().type()


def vector_info(layer):
    r = layer.renderer()
    info = {"valid": layer.isValid(), "features": layer.featureCount(), "renderer": r.type(),
            "geometry": int(layer.geometryType()), "labels": labels_info(layer),
            "aliases": {f.name(): f.alias() for f in layer.fields() if f.alias()},
            "crs": layer.crs().authid(), "crs_description": layer.crs().description()}
    if info["labels"] == "rule-based":
        info["label_rules"] = [[c.filterExpression(), c.settings().fieldName]
                               for c in layer.labeling().rootRule().children()]
    if r.type() == "categorizedSymbol":
        info["attr"] = r.classAttribute()
        info["categories"] = [[str(c.value()), c.label(), c.symbol().color().name()] for c in r.categories()]
    elif r.type() == "graduatedSymbol":
        info["attr"] = r.classAttribute()
        info["ranges"] = [[rg.lowerValue(), rg.upperValue(), rg.label(), rg.symbol().color().name(),
                           symbol_info(rg.symbol())] for rg in r.ranges()]
        # which range QGIS assigns to each feature
        idx = layer.fields().indexOf(r.classAttribute())
        counts = [0] * len(r.ranges())
        for f in layer.getFeatures():
            v = f.attributes()[idx]
            for i, rg in enumerate(r.ranges()):
                if v is not None and rg.lowerValue() <= v <= rg.upperValue():
                    counts[i] += 1
                    break
        info["range_counts"] = counts
    elif r.type() == "singleSymbol":
        info["symbol"] = symbol_info(r.symbol())
    return info


def raster_info(layer):
    r = layer.renderer()
    info = {"valid": layer.isValid(), "renderer": r.type(), "crs": layer.crs().authid(),
            "crs_description": layer.crs().description()}
    if r.type() == "paletted":
        info["classes"] = [[c.value, c.color.name(), c.label] for c in r.classes()]
    elif r.type() == "singlebandpseudocolor":
        fn = r.shader().rasterShaderFunction()
        info["ramp_type"] = int(fn.colorRampType())
        info["items"] = [[it.value, it.color.name(), it.label] for it in fn.colorRampItemList()]
    return info


def load(uri, default_style=True):
    if uri.lower().endswith((".tif", ".tiff")):
        opts = QgsRasterLayer.LayerOptions()
        opts.loadDefaultStyle = default_style
        return QgsRasterLayer(uri, "r", "gdal", opts)
    opts = QgsVectorLayer.LayerOptions()
    opts.loadDefaultStyle = default_style
    return QgsVectorLayer(uri, "v", "ogr", opts)


def info_of(layer):
    return raster_info(layer) if isinstance(layer, QgsRasterLayer) else vector_info(layer)


def render(layers, png):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(QgsProject.instance().crs())
    ext = QgsRectangle()
    ext.setMinimal()
    for lyr in layers:
        e = settings.layerExtentToOutputExtent(lyr, lyr.extent())
        ext.combineExtentWith(e)
    ext.scale(1.05)
    settings.setExtent(ext)
    settings.setOutputSize(QSize(500, 500))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    img.save(png, "PNG")
    counts = {}
    white = 0
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            name = QColor(img.pixel(x, y)).name()
            if name == "#ffffff":
                white += 1
            counts[name] = counts.get(name, 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:40]
    return {"png": png, "non_white": sum(counts.values()) - white, "colours": dict(top)}


def project_info(png):
    proj = QgsProject.instance()
    root = proj.layerTreeRoot()
    nodes = root.findLayers()
    layers = [node.layer() for node in nodes]
    out = {"crs": proj.crs().authid(), "crs_valid": proj.crs().isValid(),
           "crs_geographic": proj.crs().isGeographic(), "crs_proj": proj.crs().toProj(),
           "absolute_paths": proj.readBoolEntry("Paths", "/Absolute")[0],
           "crs_description": proj.crs().description(),
           "layers": [dict(name=lyr.name(), source=lyr.source(), visible=node.itemVisibilityChecked(),
                           **info_of(lyr)) for node, lyr in zip(nodes, layers)]}
    out["render"] = render(layers, png)
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd in ("layers", "layers-nostyle"):
        result = []
        for uri in args:
            lyr = load(uri, cmd == "layers")
            result.append(dict(uri=uri, **info_of(lyr)))
            del lyr
    elif cmd == "project":
        ok = QgsProject.instance().read(args[0])
        result = {"read": ok, **project_info(args[1])}
    elif cmd == "gpkg-project":
        ok = QgsProject.instance().read(f"geopackage:{args[0]}?projectName={args[1]}")
        result = {"read": ok, **project_info(args[2])}
    else:
        raise SystemExit(f"unknown command {cmd}")
    QgsProject.instance().clear()
    print(json.dumps(result))


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    try:
        main()
    finally:
        QgsProject.instance().clear()
        app.exitQgis()
