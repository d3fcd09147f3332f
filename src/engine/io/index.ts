// Public surface of the engine's file formats: model directories in the Hugging Face layout
// (safetensors, config.json, tokenizer.json) and crash-safe run-directory writes.

export { ModelFileError, DataFileError, isInputFileError } from './errors';
export {
  writeFileAtomic, writeFileAtomicWith, writeJsonAtomic, writeDirAtomic, removeDirAtomic, listComplete, removeStaleTemps, tempPathFor, isTempPath,
  appendJsonl, readJsonl, readJsonlLines,
} from './atomic';
export type { WriteDirOptions, JsonlLine, ReadJsonlOptions } from './atomic';
export {
  float16ToFloat32, float32ToFloat16, bfloat16ToFloat32, float32ToBfloat16,
  float16ArrayToFloat32, float32ArrayToFloat16, bfloat16ArrayToFloat32, float32ArrayToBfloat16,
} from './halfFloat';
export {
  SafetensorsReader, serializeSafetensors, writeSafetensors, tensorToFloat32, tensorByteSize, dtypeItemSize, isSafetensorsDtype,
} from './safetensors';
export type { SafetensorsDtype, DtypeArrays, TensorArray, TensorInfo, Tensor, TensorToWrite, TensorsToWrite } from './safetensors';
export { ModelWeights, writeModelWeights, WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './modelWeights';
export type { WriteWeightsOptions } from './modelWeights';
export {
  parseHfConfig, readHfConfig, writeHfConfig, hfConfigJson, completeModelConfig, eosTokenIds, SUPPORTED_ARCHITECTURES,
} from './hfConfig';
export type { ModelConfig, ModelConfigInput, ModelType, Llama3RopeScaling } from './hfConfig';
export { readJsonFile } from './jsonFile';
export { Tokenizer } from './tokenizer';
export type { ChatMessage, EncodeOptions, DecodeOptions, SpecialTokenIds } from './tokenizer';
export {
  builtinTokenizer, builtinTokenizerFiles, writeBuiltinTokenizer, byteToUnicode,
  BUILTIN_VOCAB_SIZE, BUILTIN_SPECIAL_TOKENS, BUILTIN_SPECIAL_IDS,
} from './builtinTokenizer';
export type { BuiltinTokenizerFiles } from './builtinTokenizer';
