/**
 * The map service's gazetteer (docs/third-party/map.md): a seeded, deterministic set of street
 * addresses around one city centre, and the two lookups a geocoding API offers — reverse
 * (coordinates → the nearest address) and forward (an address → its coordinates). Pure: the
 * grader computes the same answer the service gave from the seed alone.
 */
import { Rng } from '../../core/rng.js';

export interface I18nText {
  zh: string;
  en: string;
}

export interface Place {
  lat: number;
  lon: number;
  province: I18nText;
  city: I18nText;
  district: I18nText;
  street: I18nText;
  number: number;
  /** The whole address, largest unit first in Chinese, smallest first in English. */
  formatted: I18nText;
}

export interface Gazetteer {
  city: I18nText;
  centre: { lat: number; lon: number };
  places: readonly Place[];
}

interface CityDef {
  province: I18nText;
  city: I18nText;
  lat: number;
  lon: number;
  /** NW, NE, SW, SE of the centre. */
  districts: [I18nText, I18nText, I18nText, I18nText];
}

const d = (zh: string, en: string): I18nText => ({ zh, en });

const CITIES: readonly CityDef[] = [
  {
    province: d('浙江省', 'Zhejiang'),
    city: d('杭州市', 'Hangzhou'),
    lat: 30.274,
    lon: 120.155,
    districts: [
      d('西湖区', 'Xihu'),
      d('拱墅区', 'Gongshu'),
      d('滨江区', 'Binjiang'),
      d('上城区', 'Shangcheng'),
    ],
  },
  {
    province: d('江苏省', 'Jiangsu'),
    city: d('南京市', 'Nanjing'),
    lat: 32.06,
    lon: 118.797,
    districts: [
      d('鼓楼区', 'Gulou'),
      d('玄武区', 'Xuanwu'),
      d('建邺区', 'Jianye'),
      d('秦淮区', 'Qinhuai'),
    ],
  },
  {
    province: d('四川省', 'Sichuan'),
    city: d('成都市', 'Chengdu'),
    lat: 30.573,
    lon: 104.066,
    districts: [
      d('青羊区', 'Qingyang'),
      d('成华区', 'Chenghua'),
      d('武侯区', 'Wuhou'),
      d('锦江区', 'Jinjiang'),
    ],
  },
  {
    province: d('湖北省', 'Hubei'),
    city: d('武汉市', 'Wuhan'),
    lat: 30.593,
    lon: 114.305,
    districts: [
      d('汉阳区', 'Hanyang'),
      d('江岸区', "Jiang'an"),
      d('洪山区', 'Hongshan'),
      d('武昌区', 'Wuchang'),
    ],
  },
  {
    province: d('陕西省', 'Shaanxi'),
    city: d('西安市', "Xi'an"),
    lat: 34.341,
    lon: 108.94,
    districts: [
      d('莲湖区', 'Lianhu'),
      d('新城区', 'Xincheng'),
      d('雁塔区', 'Yanta'),
      d('碑林区', 'Beilin'),
    ],
  },
  {
    province: d('广东省', 'Guangdong'),
    city: d('深圳市', 'Shenzhen'),
    lat: 22.543,
    lon: 114.058,
    districts: [
      d('南山区', 'Nanshan'),
      d('罗湖区', 'Luohu'),
      d('宝安区', "Bao'an"),
      d('福田区', 'Futian'),
    ],
  },
];

const STREETS: readonly I18nText[] = [
  d('人民路', 'Renmin Road'),
  d('解放路', 'Jiefang Road'),
  d('中山路', 'Zhongshan Road'),
  d('建设路', 'Jianshe Road'),
  d('和平路', 'Heping Road'),
  d('文化路', 'Wenhua Road'),
  d('学院路', 'Xueyuan Road'),
  d('科技路', 'Keji Road'),
  d('创新路', 'Chuangxin Road'),
  d('光明路', 'Guangming Road'),
  d('长江路', 'Changjiang Road'),
  d('黄河路', 'Huanghe Road'),
  d('滨河路', 'Binhe Road'),
  d('新华路', 'Xinhua Road'),
  d('东风路', 'Dongfeng Road'),
  d('朝阳路', 'Chaoyang Road'),
];

/** Places in a gazetteer, and how far from the centre they lie (degrees). */
export const GAZETTEER_SIZE = 48;
const SPREAD_DEG = 0.03;
/** Reverse geocoding answers with an address within this distance (m), or with none. */
export const REVERSE_RADIUS_M = 1000;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The gazetteer of a lab seed: the same seed, the same places. */
export function gazetteer(seed: number): Gazetteer {
  const rng = new Rng(seed, '3p', 'gazetteer');
  const c = rng.pick(CITIES);
  const places: Place[] = [];
  const taken = new Set<string>();
  while (places.length < GAZETTEER_SIZE) {
    const lat = round6(c.lat + rng.range(-SPREAD_DEG, SPREAD_DEG));
    const lon = round6(c.lon + rng.range(-SPREAD_DEG, SPREAD_DEG));
    const street = rng.pick(STREETS);
    const number = rng.int(1, 399);
    const key = `${street.zh}${number}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const district = c.districts[(lat < c.lat ? 2 : 0) + (lon < c.lon ? 0 : 1)]!;
    places.push({
      lat,
      lon,
      province: c.province,
      city: c.city,
      district,
      street,
      number,
      formatted: {
        zh: `${c.province.zh}${c.city.zh}${district.zh}${street.zh}${number}号`,
        en: `${number} ${street.en}, ${district.en} District, ${c.city.en}, ${c.province.en}`,
      },
    });
  }
  return { city: c.city, centre: { lat: c.lat, lon: c.lon }, places };
}

/** Great-circle distance (m) between two points (haversine, mean Earth radius). */
export function distanceM(
  a: { lat: number; lon: number },
  b: { lat: number; lon: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The nearest place to a point within `radiusM`, with its distance, or undefined. */
export function reverseGeocode(
  g: Gazetteer,
  at: { lat: number; lon: number },
  radiusM = REVERSE_RADIUS_M,
): { place: Place; distanceM: number } | undefined {
  let best: { place: Place; distanceM: number } | undefined;
  for (const place of g.places) {
    const m = distanceM(at, place);
    if (m <= radiusM && (!best || m < best.distanceM)) best = { place, distanceM: m };
  }
  return best && { place: best.place, distanceM: Math.round(best.distanceM) };
}

const squash = (s: string): string => s.toLowerCase().replace(/[\s,，号]/g, '');

/**
 * Places whose address matches a query (forward geocoding): the whole formatted address, or a
 * street with its number ("学院路 12 号", "12 Xueyuan Road"), in either language; at most `limit`.
 */
export function forwardGeocode(g: Gazetteer, query: string, limit = 5): Place[] {
  const q = squash(query);
  if (q === '') return [];
  return g.places
    .filter((p) => {
      const zh = squash(p.formatted.zh);
      const en = squash(p.formatted.en);
      const zhStreet = squash(`${p.street.zh}${p.number}`);
      const enStreet = squash(`${p.number} ${p.street.en}`);
      return zh === q || en === q || q.endsWith(zhStreet) || q.startsWith(enStreet);
    })
    .slice(0, limit);
}

/**
 * A place whose nearest neighbour is at least `clearM` away, so that a point within a few tens of
 * metres of it has one answer (for tasks that put a device near an address).
 */
export function isolatedPlace(g: Gazetteer, rng: Rng, clearM = 300): Place {
  const clear = g.places.filter((p) => g.places.every((q) => q === p || distanceM(p, q) >= clearM));
  return rng.pick(clear.length > 0 ? clear : g.places);
}
