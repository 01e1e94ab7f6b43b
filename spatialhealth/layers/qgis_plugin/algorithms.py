"""Processing algorithms: each runs one spatialhealth command and loads what it wrote.

The GeoPackages written by spatialhealth carry default styles (``layer_styles``),
so the loaded layers appear already styled.
"""

from pathlib import Path

from qgis.core import (QgsProcessing, QgsProcessingAlgorithm, QgsProcessingContext,
                       QgsProcessingException, QgsProcessingOutputString, QgsProcessingParameterEnum,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterField,
                       QgsProcessingParameterFile, QgsProcessingParameterFileDestination,
                       QgsProcessingParameterFolderDestination, QgsProcessingParameterNumber,
                       QgsProcessingParameterString, QgsVectorLayer)

from . import runner

_FORMATS = ["gpkg", "shp", "geojson", "fgb"]


class _Base(QgsProcessingAlgorithm):
    def group(self):
        return "spatialhealth"

    def groupId(self):  # noqa: N802
        return "spatialhealth"

    def createInstance(self):  # noqa: N802
        return type(self)()

    def _source_path(self, parameters, name, context, feedback):
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, _FORMATS, "gpkg", feedback)
        return path, layer

    def _load(self, context, uri, title, output_name, provider="ogr"):
        layer = QgsVectorLayer(uri, title, provider)
        if not layer.isValid():
            raise QgsProcessingException(f"spatialhealth wrote {uri}, but QGIS cannot open it.")
        context.temporaryLayerStore().addMapLayer(layer)
        context.addLayerToLoadOnCompletion(
            layer.id(), QgsProcessingContext.LayerDetails(title, context.project(), output_name))
        return layer.id()


class LisaAlgorithm(_Base):
    WEIGHTS = ["queen", "rook", "knn"]

    def name(self):
        return "lisa"

    def displayName(self):  # noqa: N802
        return "LISA clusters (local Moran's I)"

    def shortHelpString(self):  # noqa: N802
        return ("Local Moran's I with conditional permutations (spatialhealth map lisa). Writes a "
                "GeoPackage whose layer 'lisa' is styled by cluster: HH red, LL blue, LH light blue, "
                "HL orange, not significant grey.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", "Regions (polygons)", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "FIELD", "Indicator", parentLayerParameterName="INPUT",
            type=QgsProcessingParameterField.Numeric))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", "Region code field", defaultValue="code", parentLayerParameterName="INPUT",
            optional=True))
        self.addParameter(QgsProcessingParameterEnum("WEIGHTS", "Spatial weights", options=self.WEIGHTS,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "PERMUTATIONS", "Permutations", type=QgsProcessingParameterNumber.Integer,
            defaultValue=999, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "ALPHA", "Significance level", type=QgsProcessingParameterNumber.Double,
            defaultValue=0.05, minValue=0.0001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Random seed", type=QgsProcessingParameterNumber.Integer, defaultValue=20201101))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "LISA GeoPackage", fileFilter="GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputString("OUTPUT_LAYER", "Loaded layer id"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        path, layer = self._source_path(parameters, "INPUT", context, feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        field = self.parameterAsFields(parameters, "FIELD", context)[0]
        id_field = (self.parameterAsFields(parameters, "ID_FIELD", context) or ["code"])[0]
        args = ["map", "lisa", path, out, "--column", field, "--id", id_field,
                "--weights", self.WEIGHTS[self.parameterAsEnum(parameters, "WEIGHTS", context)],
                "--permutations", self.parameterAsInt(parameters, "PERMUTATIONS", context),
                "--alpha", self.parameterAsDouble(parameters, "ALPHA", context),
                "--seed", self.parameterAsInt(parameters, "SEED", context), "--no-project"]
        if layer:
            args += ["--layer", layer]
        runner.run(args, feedback)
        layer_id = self._load(context, f"{out}|layername=lisa", f"LISA clusters: {field}", "OUTPUT_LAYER")
        return {"OUTPUT": out, "OUTPUT_LAYER": layer_id}


class CentralityAlgorithm(_Base):
    MEASURES = ["pagerank", "betweenness", "in_strength", "out_strength", "in_degree", "out_degree",
                "in_closeness", "out_closeness", "eigenvector", "reciprocity"]

    def name(self):
        return "centrality"

    def displayName(self):  # noqa: N802
        return "Mobility network centrality and flows"

    def shortHelpString(self):  # noqa: N802
        return ("Builds the directed mobility network of an OD table (origin, destination, flow) "
                "and maps a centrality of each city (graduated, sized points) with the largest "
                "flows as lines (width and colour by volume, arrowheads).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "EDGES", "OD table (CSV, Excel, Parquet)", behavior=QgsProcessingParameterFile.File,
            fileFilter="Tables (*.csv *.xlsx *.parquet *.tsv *.txt)"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "NODES", "Cities (points or polygons)",
            [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "CODE", "City code field", defaultValue="code", parentLayerParameterName="NODES",
            optional=True))
        self.addParameter(QgsProcessingParameterString("ORIGIN", "Origin column", defaultValue="origin"))
        self.addParameter(QgsProcessingParameterString("DESTINATION", "Destination column",
                                                       defaultValue="destination"))
        self.addParameter(QgsProcessingParameterString("FLOW", "Flow column", defaultValue="flow"))
        self.addParameter(QgsProcessingParameterEnum("MEASURE", "Centrality", options=self.MEASURES,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "TOP", "Flow lines to draw (largest; 0 = all)", type=QgsProcessingParameterNumber.Integer,
            defaultValue=200, minValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Network GeoPackage", fileFilter="GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputString("CITIES_LAYER", "Loaded cities layer id"))
        self.addOutput(QgsProcessingOutputString("FLOWS_LAYER", "Loaded flows layer id"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        edges = self.parameterAsFile(parameters, "EDGES", context)
        nodes, layer = self._source_path(parameters, "NODES", context, feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        code = (self.parameterAsFields(parameters, "CODE", context) or ["code"])[0]
        measure = self.MEASURES[self.parameterAsEnum(parameters, "MEASURE", context)]
        args = ["map", "centrality", edges, nodes, out, "--measure", measure, "--code", code,
                "--origin", self.parameterAsString(parameters, "ORIGIN", context),
                "--destination", self.parameterAsString(parameters, "DESTINATION", context),
                "--flow", self.parameterAsString(parameters, "FLOW", context),
                "--top", self.parameterAsInt(parameters, "TOP", context), "--no-project"]
        if layer:
            args += ["--nodes-layer", layer]
        runner.run(args, feedback)
        flows = self._load(context, f"{out}|layername=flows", "Flows", "FLOWS_LAYER")
        cities = self._load(context, f"{out}|layername=cities", f"Cities: {measure}", "CITIES_LAYER")
        return {"OUTPUT": out, "CITIES_LAYER": cities, "FLOWS_LAYER": flows}


class ErgmAlgorithm(_Base):
    def name(self):
        return "ergm"

    def displayName(self):  # noqa: N802
        return "Fit an ERGM (statnet-style formula)"

    def shortHelpString(self):  # noqa: N802
        return ("Fits an exponential random graph model to an edge list and node table "
                "(spatialhealth ergm) and loads the coefficient table; the summary is in the log "
                "and in ergm_summary.txt of the output folder.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "EDGES", "Edge list (CSV, Excel, Parquet)", fileFilter="Tables (*.csv *.xlsx *.parquet)"))
        self.addParameter(QgsProcessingParameterFile(
            "NODES", "Node table (optional)", optional=True,
            fileFilter="Tables (*.csv *.xlsx *.parquet)"))
        self.addParameter(QgsProcessingParameterString(
            "FORMULA", "Model formula", defaultValue="edges + mutual"))
        self.addParameter(QgsProcessingParameterString("SOURCE", "Sender column", defaultValue="from"))
        self.addParameter(QgsProcessingParameterString("TARGET", "Receiver column", defaultValue="to"))
        self.addParameter(QgsProcessingParameterString("ID", "Node id column", defaultValue="id"))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Random seed", type=QgsProcessingParameterNumber.Integer, defaultValue=20201101))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))
        self.addOutput(QgsProcessingOutputString("COEFFICIENTS_LAYER", "Loaded coefficient table id"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        edges = self.parameterAsFile(parameters, "EDGES", context)
        nodes = self.parameterAsFile(parameters, "NODES", context)
        out = self.parameterAsString(parameters, "OUTPUT", context)
        args = ["ergm", edges] + ([nodes] if nodes else []) + [
            "--formula", self.parameterAsString(parameters, "FORMULA", context),
            "--source", self.parameterAsString(parameters, "SOURCE", context),
            "--target", self.parameterAsString(parameters, "TARGET", context),
            "--id", self.parameterAsString(parameters, "ID", context),
            "--seed", self.parameterAsInt(parameters, "SEED", context), "--out", out]
        runner.run(args, feedback)
        csv = Path(out) / "ergm_coefficients.csv"
        uri = f"{csv.as_uri()}?type=csv&detectTypes=yes&geomType=none"
        layer_id = self._load(context, uri, "ERGM coefficients", "COEFFICIENTS_LAYER", "delimitedtext")
        return {"OUTPUT": out, "COEFFICIENTS_LAYER": layer_id}
