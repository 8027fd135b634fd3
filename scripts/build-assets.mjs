// Copies the front-end assets that need no compiling into static/dist/, and writes the favicons.
//
// Run by `npm run build` after Sass has written static/dist/app.css. Node's fs is
// used instead of shell `cp` so the build works the same on every platform.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const modules = join(root, 'node_modules')
const dist = join(root, 'static', 'dist')
const govuk = join(modules, 'govuk-frontend', 'dist', 'govuk')

const copies = [
  [join(govuk, 'govuk-frontend.min.js'), join(dist, 'govuk-frontend.min.js')],
  [join(govuk, 'govuk-frontend.min.js.map'), join(dist, 'govuk-frontend.min.js.map')],
  // Referenced by the footer styles compiled into app.css (we never show it), so it
  // must exist for the hashed static files storage to resolve the url().
  [join(govuk, 'assets', 'images', 'govuk-crest.svg'), join(dist, 'images', 'govuk-crest.svg')],
  [join(modules, 'htmx.org', 'dist', 'htmx.min.js'), join(dist, 'htmx.min.js')]
]

// GOV.UK Frontend's favicons and touch icons show the crown, which only GOV.UK
// services may use, so this service gets a plain "D" on the brand blue instead.
const BLUE = [0x1d, 0x70, 0xb8]
const WHITE = [0xff, 0xff, 0xff]

/** Whether the point (x, y) of a 32-unit square lies inside the letter "D". */
function inLetter (x, y) {
  const inD = (left, top, bottom, radius) => {
    const centreY = (top + bottom) / 2
    if (y < top || y >= bottom || x < left) return false
    if (x < 16) return true
    return (x - 16) ** 2 + (y - centreY) ** 2 <= radius ** 2
  }
  return inD(9, 8, 24, 8) && !inD(13, 12, 20, 4)
}

const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" fill="#1d70b8"/>
<path fill="#fff" fill-rule="evenodd" d="M9 8h7a8 8 0 0 1 0 16H9zM13 12v8h3a4 4 0 0 0 0-8z"/>
</svg>
`

/** A 32x32 Windows icon holding one uncompressed 32-bit bitmap. */
function faviconIco () {
  const size = 32
  const header = Buffer.alloc(6 + 16)
  header.writeUInt16LE(0, 0) // reserved
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(1, 4) // one image
  const bitmapInfo = Buffer.alloc(40)
  bitmapInfo.writeUInt32LE(40, 0)
  bitmapInfo.writeInt32LE(size, 4)
  bitmapInfo.writeInt32LE(size * 2, 8) // colour bitmap plus AND mask
  bitmapInfo.writeUInt16LE(1, 12) // planes
  bitmapInfo.writeUInt16LE(32, 14) // bits per pixel
  const pixels = Buffer.alloc(size * size * 4)
  for (let row = 0; row < size; row++) {
    const y = size - 1 - row // bitmaps are stored bottom-up
    for (let x = 0; x < size; x++) {
      const [r, g, b] = inLetter(x + 0.5, y + 0.5) ? WHITE : BLUE
      pixels.set([b, g, r, 0xff], (row * size + x) * 4)
    }
  }
  const mask = Buffer.alloc(size * 4) // 1 bit a pixel, all opaque
  const image = Buffer.concat([bitmapInfo, pixels, mask])
  header.writeUInt8(size, 6) // width
  header.writeUInt8(size, 7) // height
  header.writeUInt16LE(1, 10) // planes
  header.writeUInt16LE(32, 12) // bits per pixel
  header.writeUInt32LE(image.length, 14)
  header.writeUInt32LE(header.length, 18) // offset of the image
  return Buffer.concat([header, image])
}

mkdirSync(join(dist, 'images'), { recursive: true })
for (const [from, to] of copies) {
  cpSync(from, to)
  console.log(`copied ${to.slice(root.length + 1)}`)
}
writeFileSync(join(dist, 'images', 'favicon.svg'), FAVICON_SVG)
writeFileSync(join(dist, 'images', 'favicon.ico'), faviconIco())
console.log('wrote static/dist/images/favicon.svg, static/dist/images/favicon.ico')
