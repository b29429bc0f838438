import type { Processor } from '../platform/registration';

/**
 * The KVKK (Turkish Personal Data Protection Law No. 6698) notice a coaching organization gives its
 * learners, in Turkish and English: the controller, the purposes and legal grounds, the data, the
 * recipients at home and abroad (the registered processors in use), retention, and the rights of article
 * 11 and how to use them. The recipients are the platform's processor registry, never a copied list.
 */
export type KvkkLanguage = 'tr' | 'en';

export const KVKK_PURPOSES = {
  en: [
    'placing the English practice calls you plan, at the times you choose (performance of the contract, art. 5/2-c)',
    'analysing your side of each call to give feedback, scores and a level estimate (performance of the contract, art. 5/2-c; you may object at any time)',
    'charging practice calls to your balance and keeping payment records (legal obligation, art. 5/2-ç)',
    'keeping evidence of your consent to be called and of its withdrawal (legal obligation and legitimate interest, art. 5/2-ç and 5/2-f)',
  ],
  tr: [
    'planladığınız İngilizce pratik aramalarını seçtiğiniz zamanlarda yapmak (sözleşmenin ifası, md. 5/2-c)',
    'size geri bildirim, puan ve seviye tahmini vermek için her aramadaki konuşmanızı analiz etmek (sözleşmenin ifası, md. 5/2-c; dilediğiniz zaman itiraz edebilirsiniz)',
    'aramaları bakiyenizden ücretlendirmek ve ödeme kayıtlarını saklamak (hukuki yükümlülük, md. 5/2-ç)',
    'aranmaya ilişkin onayınızın ve geri alınmasının kanıtını saklamak (hukuki yükümlülük ve meşru menfaat, md. 5/2-ç ve 5/2-f)',
  ],
} as const;

export const KVKK_CATEGORIES = {
  en: ['identity and contact (name, email, phone number)', 'your learner profile (native language, goals, level, time zone, preferences)', 'call recordings and transcripts', 'analyses, scores, level history and vocabulary', 'balance transactions', 'consent records'],
  tr: ['kimlik ve iletişim (ad, e-posta, telefon numarası)', 'öğrenci profiliniz (ana dil, hedefler, seviye, saat dilimi, tercihler)', 'arama kayıtları ve dökümleri', 'analizler, puanlar, seviye geçmişi ve kelime listesi', 'bakiye hareketleri', 'onay kayıtları'],
} as const;

const RIGHTS = {
  en: 'Under article 11 you may ask whether your data is processed and for information about it, its purposes and its recipients at home and abroad; ask for it to be corrected, or erased or destroyed, and for these to be notified to the recipients; object to a result against you produced solely by automated analysis; and claim compensation for damage from unlawful processing. Use them in your account (information request, corrections, objection, contesting a call’s scores, deletion) or by writing to the organization; it answers within 30 days.',
  tr: '11. madde uyarınca; verilerinizin işlenip işlenmediğini öğrenme, bunlara, amaçlarına ve yurt içindeki ve yurt dışındaki alıcılarına ilişkin bilgi isteme; düzeltilmesini, silinmesini veya yok edilmesini ve bunların alıcılara bildirilmesini isteme; münhasıran otomatik analiz sonucu aleyhinize bir sonuç çıkmasına itiraz etme ve kanuna aykırı işleme nedeniyle zararın giderilmesini talep etme haklarına sahipsiniz. Bu hakları hesabınızdan (bilgi talebi, düzeltme, itiraz, bir aramanın puanlarına itiraz, silme) veya kuruluşa yazarak kullanabilirsiniz; kuruluş 30 gün içinde yanıt verir.',
};

const RETENTION = {
  en: 'Recordings are deleted at the voice engine within 30 days; transcripts, analyses and your profile are kept until your account closes; payment records for 10 years; consent evidence for 5 years.',
  tr: 'Ses kayıtları ses altyapısında en geç 30 gün içinde silinir; dökümler, analizler ve profiliniz hesabınız kapanana kadar saklanır; ödeme kayıtları 10 yıl, onay kanıtları 5 yıl saklanır.',
};

/** Processors used by the coach's learners (the receptionist's calendars are not among them). */
export const learnerProcessors = (all: readonly Processor[]) => all.filter((p) => !/Calendar|Graph/.test(p.name));

export function kvkkNotice(organizationName: string, language: KvkkLanguage, processors: readonly Processor[]) {
  const abroad = processors.filter((p) => !/Türkiye|Turkey/.test(p.location));
  const heading = language === 'tr' ? `${organizationName} – KVKK Aydınlatma Metni` : `${organizationName} – KVKK notice`;
  const intro =
    language === 'tr'
      ? `Veri sorumlusu ${organizationName}'dir. Kişisel verileriniz aşağıdaki amaçlarla ve hukuki sebeplerle, aşağıdaki alıcılara aktarılarak işlenir. Yurt dışına aktarım, hizmetin ifası için gerekli olduğu ölçüde ve KVKK md. 9'a uygun olarak yapılır.`
      : `The data controller is ${organizationName}. Your personal data is processed for the purposes and on the legal grounds below, and passed to the recipients below. Transfers abroad are made as the service needs them, under article 9 of the KVKK.`;
  return {
    language,
    heading,
    intro,
    purposes: [...KVKK_PURPOSES[language]],
    categories: [...KVKK_CATEGORIES[language]],
    recipients: processors.map((p) => ({ name: p.name, role: p.role, data: [...p.data], location: p.location, ...(p.when ? { when: p.when } : {}) })),
    transfersAbroad: abroad.map((p) => `${p.name} (${p.location})`),
    retention: RETENTION[language],
    rights: RIGHTS[language],
  };
}
