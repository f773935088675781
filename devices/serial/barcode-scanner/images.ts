/**
 * PNG images of a scanner's codes, for image-acquisition tasks: the runtime serves each one at
 * an HTTP URL it adds to the card. Kept apart from the scanner model so that a lab without an
 * HTTP file server never loads the renderer (bwip-js, the Barcode Writer in Pure PostScript).
 *
 * Valid EAN-13, Code 128 and QR Code go through bwip-js's encoders. bwip-js refuses an EAN-13
 * with a wrong check digit (as it should); a misprinted label is drawn from its own 95 modules
 * (`ean13Modules`, [GS1] §5.2.1.2) with bwip-js's `raw` bar renderer, so the image really
 * carries the wrong digit — a decoder that verifies the check digit rejects it, as a scanner
 * would.
 */
import { toBuffer } from 'bwip-js';
import { LabError } from '../../../core/errors.js';
import type { SerialDevicePlan } from '../plan.js';
import { ean13Modules, isValidEan13, runLengths } from '../../../protocols/codecs/barcode.js';
import type { Symbology } from '../../../protocols/codecs/barcode.js';
import { codeCatalogue, codeImagePath } from './model.js';

/** White background and quiet zones: scanners and decoders need both ([GS1] §5.2.1.4: 11 + 7 modules). */
const LINEAR = {
  scale: 3,
  height: 20,
  includetext: true,
  paddingwidth: 11,
  paddingheight: 4,
  backgroundcolor: 'FFFFFF',
};
const QR = { scale: 6, eclevel: 'M', padding: 4, backgroundcolor: 'FFFFFF' };

export async function renderCodePng(code: { symbology: Symbology; text: string }): Promise<Buffer> {
  switch (code.symbology) {
    case 'ean13':
      if (isValidEan13(code.text)) return toBuffer({ bcid: 'ean13', text: code.text, ...LINEAR });
      if (!/^\d{13}$/.test(code.text))
        throw new LabError(
          'PROTOCOL_MALFORMED',
          `an EAN-13 image needs 13 digits, got "${code.text}"`,
        );
      return toBuffer({
        bcid: 'raw',
        text: runLengths(ean13Modules(code.text)).join(''),
        alttext: code.text,
        ...LINEAR,
      });
    case 'code128':
      return toBuffer({ bcid: 'code128', text: code.text, ...LINEAR });
    case 'qr':
      return toBuffer({ bcid: 'qrcode', text: code.text, ...QR });
  }
}

export interface CodeImageFile {
  contentType: 'image/png';
  produce(): Promise<Buffer>;
}

/**
 * The image files of one scanner, keyed by their path relative to the device's file base
 * (`codes/<index>.png`, as the card's `codes[].image` says). Rendering is deferred to produce().
 */
export function codeImages(plan: SerialDevicePlan, seed: number): Map<string, CodeImageFile> {
  return new Map(
    codeCatalogue(plan, seed).map((c) => [
      codeImagePath(c.index),
      { contentType: 'image/png', produce: () => renderCodePng(c) },
    ]),
  );
}
