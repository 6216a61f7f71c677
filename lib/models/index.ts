export { createAutoencoder, disposeAutoencoder, countParameters, LATENT_GRID } from "./autoencoder";
export type { Autoencoder, AutoencoderOptions } from "./autoencoder";
export { createVgg3d, vgg3dFeatures, VGG3D_INPUT } from "./vgg3d";
export type { Vgg3d, Vgg3dOptions } from "./vgg3d";
export { BatchNorm } from "./batchnorm";
export type { BatchNormArgs } from "./batchnorm";
export { forwardFlops } from "./flops";
