/**
 * bragg's public API: `import { … } from 'bragg'`. Named exports only, grouped by layer
 * (ARCHITECTURE.md). What is not exported here is internal and may change without notice.
 */

// core: arrays, typed errors, seeded randomness, byte sources, hashes
export { ndarray, reshape, shapeSize, toFloat32, toFloat64 } from './core/ndarray.js';
export type { NDArray } from './core/ndarray.js';
export type { DType } from './core/dtype.js';
export type { Axis, IntensityCalibration } from './core/axes.js';
export type { DataArray, Metadata, MetadataValue } from './core/data-array.js';
export {
  BraggError,
  FormatError,
  NotFoundError,
  UnsupportedError,
  ValidationError,
  ERROR_CODES,
  errorFromData,
  errorToData,
  isErrorData,
  registerErrorClass,
} from './core/errors.js';
export type { ErrorCode, ErrorData, ErrorFields } from './core/errors.js';
export { Rng, createRng, deriveSeed } from './core/rng.js';
export { DEFAULT_MAX_STREAM_BYTES, openSource, readStream } from './core/source.js';
export type {
  ByteSource,
  ByteStream,
  BytesInput,
  SourceInput,
  SourceOptions,
  StreamInput,
} from './core/source.js';
export { canonicalJson, sha256Hex, uuidFromHash } from './core/hash.js';
export { VERSION } from './core/version.js';

// formats: every reader opens a path, bytes or a stream
export {
  createFormatRegistry,
  formats,
  openAny,
  readerFor,
  writerFor,
} from './formats/registry.js';
export type { FormatRegistry } from './formats/registry.js';
export type {
  ArrayInfo,
  FormatReader,
  FormatWriter,
  OpenedFile,
  Selection,
} from './formats/types.js';
export { DmFile, openDm, openDmBytes } from './formats/dm/index.js';
export { decodeNpy, decodeNpz, readNpy, readNpz, writeNpy, writeNpz } from './formats/npy/index.js';
export { openHdf5, writeNexus } from './formats/hdf5/index.js';
export type { Hdf5File } from './formats/hdf5/index.js';
export { decodePng, encodePng, encodeTiff, parseTiff } from './formats/image/index.js';
export { formatCsv, parseCsv, readCsv } from './formats/table/index.js';
export type { Table } from './formats/table/index.js';
export { openTfrecord, readExamples } from './formats/tfrecord/index.js';

// crystal: structures, lattices, wavelengths
export { crystalFromCif, crystalsFromCif, loadCrystal, cellFormula } from './crystal/structure.js';
export type { AtomSite, Crystal, CrystalOptions } from './crystal/structure.js';
export { structureFormats } from './crystal/cif-format.js';
export { Lattice } from './crystal/lattice.js';
export type { CellParameters } from './crystal/lattice.js';
export { electronWavelength, interactionParameter } from './crystal/wavelength.js';

// simulate: kinematic and multislice physics
export {
  kinematicProfile,
  prepareReflections,
  radialProfile,
  renderPattern,
  seed147Axis,
  simulateSpots,
} from './simulate/kinematic/index.js';
export type {
  PatternOptions,
  ProfileOptions,
  ReflectionOptions,
  ReflectionTable,
  SpotList,
} from './simulate/kinematic/index.js';
export { simulateCbed, simulatePacbed } from './simulate/multislice/simulate.js';
export type { PatternResult, RunOptions } from './simulate/multislice/simulate.js';
export { fundamentalZoneGrid, randomQuaternions } from './simulate/orientation/sampling.js';

// ml: backend, architectures, custom layers, model bundles, training
export {
  backendConfig,
  backendConfigFromEnv,
  defaultBackendConfig,
  initBackend,
} from './ml/backend/select.js';
export type { BackendConfig, BackendHandle, BackendName } from './ml/backend/select.js';
export {
  ArchitectureRegistry,
  listArchitectures,
  modelArchitecture,
  registerArchitecture,
} from './ml/models/registry.js';
export type { Architecture } from './ml/models/architecture.js';
export { CUSTOM_LAYERS, registerLayers } from './ml/layers/registry.js';
export { loadBundle, readBundleMeta, saveBundle } from './ml/store/bundle.js';
export type { ModelBundle } from './ml/store/bundle.js';
export type { BundleMeta } from './ml/store/schema.js';
export { train } from './ml/train/trainer.js';
export type { TrainOptions, TrainResult } from './ml/train/trainer.js';
export { ShardedSamples } from './ml/data/sharded-samples.js';
export { readKerasH5 } from './ml/keras/read.js';
export { kerasToLayersModel } from './ml/keras/convert.js';
export { importKeras } from './ml/keras/import.js';
export { predictArrays } from './ml/keras/predict.js';
export type { SampleBatch, SampleShard, ShardDecoder } from './ml/data/sharded-samples.js';

// jobs: the runtime (executors, sharded runs, the run registry)
export { InlineExecutor, LocalExecutor } from './jobs/executor.js';
export type { Executor, ExecutorCapabilities } from './jobs/executor.js';
export { BullmqExecutor } from './jobs/bullmq-executor.js';
export { JobRegistry } from './jobs/registry.js';
export type { JobContext, JobRequest, JobType } from './jobs/types.js';
export { runDataset } from './jobs/dataset-run.js';
export type { DatasetRunSpec } from './jobs/dataset-run.js';
export { runSharded } from './jobs/sharded-run.js';
export { RunRegistry, RunRegistryError, defaultRegistryPath } from './jobs/run-registry.js';
export { publishAtomically } from './jobs/output.js';

// workflows
export type { DataContract, Workflow } from './workflows/workflow.js';
export { loadSweep, parseSweep, resolveSweep } from './workflows/phase/dataset/sweep.js';
export { runPhaseDataset } from './workflows/phase/dataset/run.js';
export { PhaseDataset } from './workflows/phase/dataset/reader.js';
export { trainPhaseModel } from './workflows/phase/train.js';
export { predictPhaseMap, writePhasePrediction } from './workflows/phase/predict.js';
export { readExperimentalMap } from './workflows/phase/experiment.js';
export { evaluatePredictionFile } from './workflows/phase/evaluate.js';
export { loadPacbedDataset } from './workflows/pacbed/dataset/config.js';
export { runPacbedDataset } from './workflows/pacbed/dataset/run.js';
export { trainPacbedModel } from './workflows/pacbed/train.js';
export { loadPacbedModels, predictWithModels } from './workflows/pacbed/predict.js';
export { lookupModels, readRegister } from './workflows/pacbed/register.js';
export { readPattern } from './workflows/pacbed/pattern-io.js';
export { preparePattern } from './workflows/pacbed/preprocess.js';
export { openScan } from './workflows/peaks/scan/input.js';
export { findPeaksClassic } from './workflows/peaks/classic/finder.js';
export { predictScan } from './workflows/peaks/predict/predict.js';
export { evaluateMasks } from './workflows/peaks/evaluate/evaluate.js';
export { consensusMask, parseZooniverse } from './workflows/peaks/labels/zooniverse.js';
export { runPeaksDataset } from './workflows/peaks/synthetic/run.js';
export { simulateSingleShot } from './simulate/single-shot/index.js';
export type { RouteContext, RouteModule } from './workflows/route.js';

// app: the composition root (workflow registry, executors for every job type)
export { WORKFLOWS, workflow } from './app/workflows.js';
export { appJobRegistry } from './app/jobs.js';
export { createExecutor } from './app/context.js';

// server: the Web API of `bragg serve`
export { createServer } from './server/app.js';
