// Japanese and English. Each page keeps its own messages beside its code ({ja: {...}, en: {...}})
// and reads them with useT(itsMessages); the shared ones (navigation, errors, common words) are
// here. A Japanese browser gets Japanese first; the choice is remembered in localStorage.
import { createContext, useContext } from './html.js';

export const LANGS = ['ja', 'en'];
const STORAGE_KEY = 'renkei.lang';

export function initialLang() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGS.includes(saved)) return saved;
  const first = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return first.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function saveLang(lang) {
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

export const LangContext = createContext('ja');

export const common = {
  ja: {
    'app.name': 'renkei 連携基盤',
    'app.tagline': 'ヒト全ゲノムデータの共同利用プラットフォーム',
    'nav.search': '横断検索',
    'nav.freq': '層別アレル頻度',
    'nav.applications': '利用申請',
    'nav.queue': '審査',
    'nav.admin': '管理',
    'nav.account': 'アカウント',
    'nav.signin': 'サインイン',
    'nav.signout': 'サインアウト',
    'nav.main': 'メインメニュー',
    'lang.switch': 'English',
    'lang.label': '表示言語',
    'common.loading': '読み込み中…',
    'common.save': '保存',
    'common.cancel': 'キャンセル',
    'common.submit': '送信',
    'common.close': '閉じる',
    'common.suppressed': '秘匿',
    'common.suppressed.help': '人数が少ないため表示しません',
    'common.partial': '一部の拠点のみ',
    'common.unavailable': '応答なし',
    'common.none': 'なし',
    'common.total': '合計',
    'err.network': 'ハブに接続できません。ネットワークを確認し、少し待ってからもう一度お試しください。',
    'err.401': 'サインインが必要です。サインインしてからもう一度お試しください。',
    'err.403': 'この操作の権限がありません。必要な場合は管理者に権限を申請してください。',
    'err.404': '見つかりません。URL を確認するか、一覧から選び直してください。',
    'err.409': '他の人が先に変更しました。再読み込みして最新の内容を確認してください。',
    'err.413': '送信内容が大きすぎます。ファイルを分けるか小さくしてからお試しください。',
    'err.429': '試行回数が多すぎます。しばらく待ってからもう一度お試しください。',
    'err.400': '入力に問題があります。内容を確認して修正してください。',
    'err.422': '入力に問題があります。内容を確認して修正してください。',
    'err.5xx': 'サーバーで問題が起きました。しばらく待ってからもう一度お試しください。続く場合は管理者に連絡してください。',
    'err.detail': '詳細',
  },
  en: {
    'app.name': 'renkei',
    'app.tagline': 'Shared use of human whole-genome data',
    'nav.search': 'Cross-search',
    'nav.freq': 'Allele frequencies',
    'nav.applications': 'Applications',
    'nav.queue': 'Review',
    'nav.admin': 'Administration',
    'nav.account': 'Account',
    'nav.signin': 'Sign in',
    'nav.signout': 'Sign out',
    'nav.main': 'Main menu',
    'lang.switch': '日本語',
    'lang.label': 'Language',
    'common.loading': 'Loading…',
    'common.save': 'Save',
    'common.cancel': 'Cancel',
    'common.submit': 'Submit',
    'common.close': 'Close',
    'common.suppressed': 'suppressed',
    'common.suppressed.help': 'withheld: too few people',
    'common.partial': 'partial: not every site answered',
    'common.unavailable': 'unavailable',
    'common.none': 'none',
    'common.total': 'Total',
    'err.network': 'The hub cannot be reached. Check your network, wait a moment and try again.',
    'err.401': 'Please sign in, then try again.',
    'err.403': 'You do not have permission for this. Ask an administrator for the role if you need it.',
    'err.404': 'Not found. Check the address or choose again from the list.',
    'err.409': 'Someone else changed this first. Reload to see the latest version.',
    'err.413': 'What you sent is too large. Split the file or make it smaller, then try again.',
    'err.429': 'Too many attempts. Wait a while, then try again.',
    'err.400': 'Something in the form needs correcting. Check it and try again.',
    'err.422': 'Something in the form needs correcting. Check it and try again.',
    'err.5xx': 'The server ran into a problem. Wait a moment and try again; if it persists, tell an administrator.',
    'err.detail': 'Details',
  },
};

// Formats `text`, replacing {name} with vars.name.
export function format(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// The translation function for a page: its own messages first, then the shared ones; English if
// a Japanese message is missing, and the key itself (visible in tests) if both are.
export function translator(lang, messages) {
  return (key, vars) => {
    const text =
      (messages && messages[lang] && messages[lang][key]) ??
      common[lang][key] ??
      (messages && messages.en && messages.en[key]) ??
      common.en[key] ??
      key;
    return format(text, vars);
  };
}

export function useT(messages) {
  const lang = useContext(LangContext);
  return translator(lang, messages);
}

export function useLang() {
  return useContext(LangContext);
}

// Numbers with the locale's grouping.
export function formatNumber(lang, n, digits) {
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    maximumFractionDigits: digits ?? 0,
  }).format(n);
}
