/**
 * The score sheet as an Excel workbook (exceljs): sheet 1 the wide form, sheet 2 one row per check,
 * sheet 3 (when a marking panel marked) one row per examiner's mark.
 */
import ExcelJS from 'exceljs';
import type { CheckRow, ScoreSheet } from './export.js';
import { longTable, wideTable } from './export.js';

export async function scoreSheetXlsx(
  sheet: ScoreSheet,
  checks: readonly CheckRow[],
  lang: 'zh' | 'en',
  /** The marking panel's marks, one row each (server/marking.ts panelTable), when any. */
  panel?: string[][],
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'iotlab';
  const wide = wb.addWorksheet(lang === 'zh' ? '成绩' : 'scores');
  const numeric = (x: string, i: number) =>
    i >= 3 && x !== '' && !Number.isNaN(Number(x)) ? Number(x) : x;
  wideTable(sheet, lang).forEach((row, r) =>
    wide.addRow(r === 0 ? row : row.map((x, i) => numeric(x, i))),
  );
  wide.getRow(1).font = { bold: true };
  const long = wb.addWorksheet(lang === 'zh' ? '评分明细' : 'checks');
  for (const row of longTable(checks, lang)) long.addRow(row);
  long.getRow(1).font = { bold: true };
  if (panel && panel.length > 1) {
    const marks = wb.addWorksheet(lang === 'zh' ? '考评员评分' : 'examiner marks');
    panel.forEach((row, r) =>
      marks.addRow(r === 0 ? row : row.map((x, i) => (i === 6 ? Number(x) : x))),
    );
    marks.getRow(1).font = { bold: true };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
